using MassTransit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Platform.Api.Infrastructure;
using Platform.Api.Options;
using Platform.Api.Security;
using Platform.Contracts;
using Yarp.ReverseProxy.Forwarder;

namespace Platform.Api.Gateway;

/// <summary>
/// ANY /fn/{tenant}/{function}/{**path}: picks a running instance of the active version (least requests in
/// flight, within the function's concurrency), waits for one while the scheduler starts it (cold start) up to
/// ColdStartTimeout, then forwards with YARP. The function's timeout bounds the wait for its answer (504).
/// </summary>
internal static partial class GatewayEndpoint
{
    public static IEndpointRouteBuilder MapGateway(this IEndpointRouteBuilder app)
    {
        app.Map("/fn/{tenant}/{function}/{**path}", InvokeAsync).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static async Task InvokeAsync(
        HttpContext context, string tenant, string function, RouteTable routes, InstanceLoad load, InstanceInvoker invoker,
        IHttpForwarder forwarder, IBus bus, IOptions<GatewayOptions> options, ILogger<RouteTable> logger)
    {
        CancellationToken aborted = context.RequestAborted;
        FunctionRoute? route = await routes.FindAsync(tenant, function, aborted);
        if (route is null)
        {
            await WriteAsync(context, ApiProblems.NotFound($"function '{function}' of tenant '{tenant}' does not exist or has no active version"));
            return;
        }
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

        using InstanceLoad.Lease? lease = await AcquireAsync(route, routes, load, bus, options.Value, logger, aborted);
        if (lease is null)
        {
            if (!aborted.IsCancellationRequested)
            {
                context.Response.Headers.RetryAfter = options.Value.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await WriteAsync(context, TypedResults.Problem(
                    $"no instance of '{tenant}/{function}' could take the request within {options.Value.ColdStartTimeout.TotalSeconds:0.#} s",
                    statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable"));
            }
            return;
        }

        var prefix = new PathString($"/fn/{tenant}/{function}");
        context.Request.Path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase, out PathString remainder);
        var transformer = new GatewayTransformer(lease.InstanceId, remainder, prefix, stripAuthorization: !route.Settings.Public);
        // The function's own status codes and bodies are its answer: no platform problem body over an empty 404.
        if (context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } statusCodePages)
        {
            statusCodePages.Enabled = false;
        }
        var config = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(route.Settings.TimeoutSeconds) };
        ForwarderError error = await forwarder.SendAsync(
            context, InstanceInvoker.DestinationPrefix(lease.InstanceId, route.Settings.Port), invoker.Invoker, config, transformer);
        if (error != ForwarderError.None)
        {
            LogForwardFailed(logger, tenant, function, lease.InstanceId, error, context.Features.Get<IForwarderErrorFeature>()?.Exception);
            // The status is the gateway's (502, 504), not the function's: answer it as problem details.
            if (!context.Response.HasStarted)
            {
                int status = context.Response.StatusCode;
                await WriteAsync(context, TypedResults.Problem(
                    status == StatusCodes.Status504GatewayTimeout
                        ? $"'{tenant}/{function}' did not answer within its timeout of {route.Settings.TimeoutSeconds} s"
                        : $"'{tenant}/{function}' could not be reached ({error})",
                    statusCode: status));
            }
        }
    }

    /// <summary>A slot on a running instance; while there is none, asks the scheduler for one and polls until the deadline.</summary>
    private static async Task<InstanceLoad.Lease?> AcquireAsync(
        FunctionRoute route, RouteTable routes, InstanceLoad load, IBus bus, GatewayOptions options, ILogger logger, CancellationToken aborted)
    {
        long deadline = Environment.TickCount64 + (long)options.ColdStartTimeout.TotalMilliseconds;
        bool requested = false;
        while (!aborted.IsCancellationRequested)
        {
            IReadOnlyList<Guid> running = await routes.RunningInstancesAsync(route, aborted);
            if (load.TryAcquire(running, route.Settings.Concurrency) is { } lease)
            {
                return lease;
            }
            if (!requested)
            {
                // The scale-up seam: the scheduler decides whether another instance may start.
                LogWaiting(logger, route.Tenant, route.Function, running.Count);
                await bus.Publish(new InstanceRequested(route.FunctionId), aborted);
                requested = true;
            }
            long left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                return null;
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(left, options.InstanceCacheTtl.TotalMilliseconds)), aborted);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
        return null;
    }

    private static Task WriteAsync(HttpContext context, IResult result) => result.ExecuteAsync(context);

    [LoggerMessage(Level = LogLevel.Information, Message = "No instance of {Tenant}/{Function} can take a request ({Running} running): requested one")]
    private static partial void LogWaiting(ILogger logger, string tenant, string function, int running);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forwarding to {Tenant}/{Function} instance {Instance} failed: {Error}")]
    private static partial void LogForwardFailed(ILogger logger, string tenant, string function, Guid instance, ForwarderError error, Exception? exception);
}
