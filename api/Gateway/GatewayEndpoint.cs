using System.Diagnostics;
using MassTransit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Api.Figures;
using Platform.Api.Infrastructure;
using Platform.Api.Invocations;
using Platform.Api.Options;
using Platform.Api.Security;
using Platform.Contracts;
using Platform.Data;
using Platform.Data.Entities;
using Yarp.ReverseProxy.Forwarder;

namespace Platform.Api.Gateway;

/// <summary>
/// ANY /fn/{tenant}/{function}/{**path}: picks a running instance of the active version (least requests in
/// flight, within the function's concurrency), waits for one while the scheduler starts it (cold start) up to
/// ColdStartTimeout, then forwards with YARP to the node agent that runs it. The function's timeout bounds the
/// wait for its answer (504). With <c>Prefer: respond-async</c> the request is queued instead (Invocations/).
/// </summary>
internal static partial class GatewayEndpoint
{
    public static IEndpointRouteBuilder MapGateway(this IEndpointRouteBuilder app)
    {
        app.Map("/fn/{tenant}/{function}/{**path}", InvokeAsync).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static async Task InvokeAsync(
        HttpContext context, string tenant, string function, RouteTable routes, InstanceDirectory directory, InstanceLoad load,
        NodeInvoker invoker, IHttpForwarder forwarder, PlatformSecrets secrets, IPublishEndpoint bus, IOptions<GatewayOptions> options,
        GatewayFigures figures, ILogger<RouteTable> logger)
    {
        CancellationToken aborted = context.RequestAborted;
        FunctionRoute? route = await routes.FindAsync(tenant, function, aborted);
        if (route is null)
        {
            await WriteAsync(context, ApiProblems.NotFound($"function '{function}' of tenant '{tenant}' does not exist or has no active version"));
            return;
        }
        using GatewayMetrics.Measurement measured = GatewayMetrics.Measure(context, route, figures);
        if (!route.Settings.Public)
        {
            AuthenticateResult auth = await context.AuthenticateAsync(PlatformClaims.Scheme);
            if (!auth.Succeeded)
            {
                await context.ChallengeAsync(PlatformClaims.Scheme);
                return;
            }
            if (!auth.Principal.CanSee(tenant))
            {
                await WriteAsync(context, ApiProblems.NotFound($"function '{function}' of tenant '{tenant}' does not exist or has no active version"));
                return;
            }
        }

        var prefix = new PathString($"/fn/{tenant}/{function}");
        context.Request.Path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase, out PathString remainder);
        if (AsyncAccept.IsRequested(context.Request))
        {
            await WriteAsync(context, await AsyncAccept.AcceptAsync(context, route, remainder, prefix));
            return;
        }
        // The function's own status codes and bodies are its answer: no platform problem body over an empty 404.
        if (context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } statusCodePages)
        {
            statusCodePages.Enabled = false;
        }
        // timeoutSeconds is a total deadline: silence for that long is a 504 (the forwarder's activity timeout), and
        // an answer still trickling at the deadline is cut off (its status is already sent) so its slot is freed.
        // A split draws the version once per request; a retry on another instance stays on it.
        RouteTarget target = route.Pick();
        var timeout = TimeSpan.FromSeconds(target.Settings.TimeoutSeconds);
        var config = new ForwarderRequestConfig { ActivityTimeout = timeout };
        using var total = new CancellationTokenSource(timeout);

        // Instances that failed this request (a broken connection): a retry goes elsewhere.
        List<Guid>? failed = null;
        long arrived = measured.Started;
        for (int attempt = 1; ; attempt++)
        {
            InstanceLoad.Lease? lease = await AcquireAsync(route, target, directory, load, bus, options.Value, figures, logger, failed, aborted,
                coldStartEnded: waited => ColdStartFirstByte.ObserveOnce(context, route, waited, arrived, logger));
            if (lease is null)
            {
                if (!aborted.IsCancellationRequested)
                {
                    context.Response.Headers.RetryAfter = options.Value.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (await QuotaReasonAsync(context, route.FunctionId, aborted) is { } quota)
                    {
                        // The scheduler held the instance back for the tenant's quota: that tenant's problem alone.
                        await WriteAsync(context, ApiProblems.QuotaExceeded(quota));
                        return;
                    }
                    await WriteAsync(context, TypedResults.Problem(
                        $"no instance of '{tenant}/{function}' could take the request within {options.Value.ColdStartTimeout.TotalSeconds:0.#} s (its instances and why they wait: GET /v1/tenants/{tenant}/functions/{function}/instances)",
                        statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable"));
                }
                return;
            }

            RoutedInstance instance = lease.Instance;
            var transformer = new GatewayTransformer(instance, remainder, prefix, stripAuthorization: !route.Settings.Public, secrets.NodeToken, directory);
            ForwarderError error;
            try
            {
                // Only while forwarding: a finished answer is never cut.
                using (total.Token.Register(() =>
                {
                    if (context.Response.HasStarted)
                    {
                        context.Abort();
                    }
                }))
                {
                    error = await forwarder.SendAsync(context, NodeEndpoint.InstancePrefix(instance.NodeUrl, instance.Id), invoker.Invoker, config, transformer);
                }
            }
            finally
            {
                lease.Dispose();
                directory.Signal(route.FunctionId); // a slot is free: a waiting request may take it
            }
            if (error == ForwarderError.None && !transformer.InstanceGone)
            {
                return;
            }
            if (transformer.InstanceGone)
            {
                // The instance went between the gateway's choice and the node (stopped, or its agent restarted
                // without it): the function never saw the request, so it may go to another instance or wait for
                // a cold start, if it can be sent again.
                (failed ??= []).Add(instance.Id);
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.Headers.Clear();
                if (attempt < MaxAttempts && HasNoBody(context.Request))
                {
                    continue;
                }
                context.Response.Headers.RetryAfter = options.Value.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await WriteAsync(context, TypedResults.Problem(
                    $"the instance of '{tenant}/{function}' chosen for the request was gone when it arrived; send it again",
                    statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable"));
                return;
            }

            Exception? cause = context.Features.Get<IForwarderErrorFeature>()?.Exception;
            bool unreachable = IsUnreachable(cause);
            if (attempt < MaxAttempts && !context.Response.HasStarted && HasNoBody(context.Request)
                && (unreachable || (error == ForwarderError.Request && IsConnectionLost(cause) && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))))
            {
                // The node agent is gone (crashed, its host lost) and nothing was sent, or the connection broke
                // before any answer to a GET or HEAD, which RFC 9110 lets a proxy repeat: give the request to
                // another instance (and stop choosing that node's until the scheduler says more).
                LogNodeUnreachable(logger, instance.NodeUrl, tenant, function);
                if (unreachable)
                {
                    directory.Unreachable(instance.NodeUrl);
                }
                (failed ??= []).Add(instance.Id);
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Features.Set<IForwarderErrorFeature>(null);
                continue;
            }

            LogForwardFailed(logger, tenant, function, instance.Id, error, cause);
            // The status is the gateway's (502, 504), not the function's: answer it as problem details.
            if (!context.Response.HasStarted)
            {
                int status = context.Response.StatusCode;
                await WriteAsync(context, TypedResults.Problem(
                    status == StatusCodes.Status504GatewayTimeout
                        ? $"'{tenant}/{function}' did not answer within its timeout of {target.Settings.TimeoutSeconds} s"
                        : $"'{tenant}/{function}' could not be reached ({error})",
                    statusCode: status));
            }
            return;
        }
    }

    private const int MaxAttempts = 3;

    /// <summary>Why the function's next instance waits when it is its tenant's quota (read only once a request gave up waiting).</summary>
    private static Task<string?> QuotaReasonAsync(HttpContext context, Guid functionId, CancellationToken cancellationToken) =>
        context.RequestServices.GetRequiredService<PlatformDbContext>().Instances.AsNoTracking()
            .Where(i => i.FunctionId == functionId && i.State == InstanceState.Pending && i.NodeId == null
                && i.Error != null && i.Error.StartsWith(Instance.WaitingForQuota))
            .Select(i => i.Error)
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>How long a request waits on events alone before it asks for a comparison with the database.</summary>
    private static readonly TimeSpan RepairAfter = TimeSpan.FromSeconds(3);

    /// <summary>No connection to the node agent was made, so the request cannot have reached the function.</summary>
    private static bool IsUnreachable(Exception? exception) =>
        exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError };

    /// <summary>The connection to the node agent broke before its answer (a node killed mid-request).</summary>
    private static bool IsConnectionLost(Exception? exception) =>
        exception is HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded };

    // Only a request without a body can be sent again: a body is read once.
    private static bool HasNoBody(HttpRequest request) =>
        request.ContentLength is 0 || (request.ContentLength is null && !request.Headers.ContainsKey("Transfer-Encoding"));

    /// <summary>
    /// A slot on a running instance; while there is none, asks the scheduler for one and waits for the directory
    /// to change (an instance ready, a slot freed) until the deadline.
    /// </summary>
    internal static async Task<InstanceLoad.Lease?> AcquireAsync(
        FunctionRoute route, RouteTarget target, InstanceDirectory directory, InstanceLoad load, IPublishEndpoint bus, GatewayOptions options, GatewayFigures figures,
        ILogger logger, IReadOnlyCollection<Guid>? exclude, CancellationToken aborted, Action<TimeSpan>? coldStartEnded = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        deadline.CancelAfter(options.ColdStartTimeout);
        InstanceLoad.Waiting? waiting = null;
        Task<bool>? requested = null;
        long? coldSince = null;
        try
        {
            while (true)
            {
                Task changed = directory.WaitForChange(route.FunctionId);
                IReadOnlyList<RoutedInstance> candidates = directory.Candidates(route.FunctionId, target.Version);
                if (exclude is not null)
                {
                    candidates = candidates.Where(c => !exclude.Contains(c.Id)).ToList();
                }
                if (load.TryAcquire(candidates, target.Settings.Concurrency) is { } lease)
                {
                    if (ColdStartEnded(route, coldSince) is { } waited)
                    {
                        coldStartEnded?.Invoke(waited);
                    }
                    return lease;
                }
                if (waiting is null)
                {
                    // The scale-up seam: the scheduler decides how many more instances may start for those waiting.
                    waiting = load.BeginWaiting(route.FunctionId, target.Version);
                    LogWaiting(logger, route.Tenant, route.Function, candidates.Count);
                    if (candidates.Count == 0)
                    {
                        // Waiting behind busy instances is queueing; waiting with none running is a cold start.
                        GatewayMetrics.ColdStart(route, figures);
                        coldSince = Stopwatch.GetTimestamp();
                    }
                    requested = RequestInstanceAsync(bus, new InstanceRequested(route.FunctionId, waiting.Count, target.Version), logger, aborted);
                }
                try
                {
                    await changed.WaitAsync(RepairAfter, deadline.Token);
                }
                catch (TimeoutException)
                {
                    // Longer than a container's cold start: maybe an InstanceReady was lost; let the database say.
                    directory.RequestResync();
                    if (requested is { IsCompleted: true, Result: false })
                    {
                        requested = RequestInstanceAsync(bus, new InstanceRequested(route.FunctionId, waiting.Count, target.Version), logger, aborted);
                    }
                }
                catch (OperationCanceledException)
                {
                    ColdStartEnded(route, coldSince);
                    return null;
                }
            }
        }
        finally
        {
            waiting?.Dispose();
        }
    }

    /// <summary>
    /// Asks the scheduler for an instance without holding the request on the bus: in a broker outage MassTransit's
    /// publish waits for its connection, which comes back on its own backoff (up to 30 s), while the instance the
    /// request needs may already run and be found by the database comparison. False when the bus did not take
    /// the message within <see cref="RepairAfter"/>; the request then asks again at its next repair.
    /// </summary>
    private static async Task<bool> RequestInstanceAsync(IPublishEndpoint bus, InstanceRequested message, ILogger logger, CancellationToken aborted)
    {
        using var publishing = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        publishing.CancelAfter(RepairAfter);
        try
        {
            await bus.Publish(message, publishing.Token);
            return true;
        }
        catch (Exception ex) when (!aborted.IsCancellationRequested)
        {
            LogRequestFailed(logger, message.FunctionId, ex);
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static TimeSpan? ColdStartEnded(FunctionRoute route, long? coldSince)
    {
        if (coldSince is not { } since)
        {
            return null;
        }
        TimeSpan waited = Stopwatch.GetElapsedTime(since);
        GatewayMetrics.ColdStartWaited(route, waited);
        return waited;
    }

    private static Task WriteAsync(HttpContext context, IResult result) => result.ExecuteAsync(context);

    [LoggerMessage(Level = LogLevel.Information, Message = "No instance of {Tenant}/{Function} can take a request ({Running} running): requested one")]
    private static partial void LogWaiting(ILogger logger, string tenant, string function, int running);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asking the scheduler for an instance of function {FunctionId} failed (the bus is down?); asked again while the request waits")]
    private static partial void LogRequestFailed(ILogger logger, Guid functionId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node agent {Node} cannot be reached: a request to {Tenant}/{Function} goes to another instance")]
    private static partial void LogNodeUnreachable(ILogger logger, Uri node, string tenant, string function);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forwarding to {Tenant}/{Function} instance {Instance} failed: {Error}")]
    private static partial void LogForwardFailed(ILogger logger, string tenant, string function, Guid instance, ForwarderError error, Exception? exception);
}
