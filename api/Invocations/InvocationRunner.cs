using MassTransit;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Platform.Api.Figures;
using Platform.Api.Gateway;
using Platform.Api.Options;
using Platform.Api.Security;
using Platform.Contracts;
using Platform.Data.Entities;

namespace Platform.Api.Invocations;

/// <summary>The outcome of one attempt: the function's answer, or why there was none.</summary>
internal sealed record AttemptOutcome(int? Status, InvocationHeaders? Headers, byte[]? Body, string? Error)
{
    /// <summary>The function answered, and not with a server error: nothing to retry.</summary>
    public bool Succeeded => Status is < 500;
}

/// <summary>
/// One attempt of an async invocation, the way the gateway runs a synchronous one: a slot on an instance of the
/// active version (a cold start when none runs), the stored request sent to its node agent over the pooled
/// connections, the answer read up to <see cref="InvocationOptions.MaxBodyBytes"/>, all within the function's
/// timeout.
/// </summary>
internal sealed partial class InvocationRunner(
    InstanceDirectory directory, InstanceLoad load, NodeInvoker invoker, PlatformSecrets secrets, IPublishEndpoint bus,
    IOptions<GatewayOptions> gateway, IOptions<InvocationOptions> options, GatewayFigures figures, ILogger<InvocationRunner> logger)
{
    /// <summary>Header the function can deduplicate by: delivery is at least once.</summary>
    public const string IdHeader = "Platform-Invocation-Id";
    public const string AttemptHeader = "Platform-Invocation-Attempt";

    public async Task<AttemptOutcome> RunAsync(Invocation invocation, FunctionRoute route, CancellationToken cancellationToken)
    {
        RouteTarget target = route.Pick();
        InstanceLoad.Lease? lease = await GatewayEndpoint.AcquireAsync(route, target, directory, load, bus, gateway.Value, figures, logger, exclude: null, cancellationToken);
        if (lease is null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return new AttemptOutcome(null, null, null,
                $"no instance could take it within {gateway.Value.ColdStartTimeout.TotalSeconds:0.#} s");
        }
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(target.Settings.TimeoutSeconds));
            try
            {
                using HttpRequestMessage request = Request(invocation, lease.Instance);
                using HttpResponseMessage response = await invoker.Invoker.SendAsync(request, deadline.Token);
                if (response.Headers.TryGetValues(NodeEndpoint.ErrorHeader, out IEnumerable<string>? error) && error.Contains("no-instance"))
                {
                    directory.Gone(lease.Instance.Id);
                }
                (byte[] body, bool cut) = await ReadCappedAsync(response.Content, options.Value.MaxBodyBytes, deadline.Token);
                return new AttemptOutcome((int)response.StatusCode, HeadersOf(response), body,
                    cut ? $"the answer was cut at {options.Value.MaxBodyBytes} bytes (Platform:Invocations:MaxBodyBytes)" : null);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new AttemptOutcome(null, null, null, $"it did not answer within its timeout of {target.Settings.TimeoutSeconds} s");
            }
            catch (HttpRequestException e)
            {
                LogUnreachable(logger, invocation.Id, lease.Instance.Id, e);
                if (e.HttpRequestError == HttpRequestError.ConnectionError)
                {
                    directory.Unreachable(lease.Instance.NodeUrl);
                }
                return new AttemptOutcome(null, null, null, $"its instance could not be reached ({e.HttpRequestError})");
            }
        }
        finally
        {
            lease.Dispose();
            directory.Signal(route.FunctionId);
        }
    }

    private HttpRequestMessage Request(Invocation invocation, RoutedInstance instance)
    {
        var request = new HttpRequestMessage(new HttpMethod(invocation.Method), NodeEndpoint.InstancePrefix(instance.NodeUrl, instance.Id) + invocation.PathAndQuery)
        {
            Version = System.Net.HttpVersion.Version11,
            Content = new ByteArrayContent(invocation.RequestBody),
        };
        foreach (var (name, values) in invocation.RequestHeaders)
        {
            if (name.Equals(HeaderNames.Host, StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = values.FirstOrDefault();
            }
            else if (!request.Headers.TryAddWithoutValidation(name, values))
            {
                request.Content.Headers.TryAddWithoutValidation(name, values);
            }
        }
        request.Headers.TryAddWithoutValidation(NodeEndpoint.TokenHeader, secrets.NodeToken);
        request.Headers.TryAddWithoutValidation(IdHeader, invocation.Id.ToString());
        request.Headers.TryAddWithoutValidation(AttemptHeader, invocation.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return request;
    }

    private static InvocationHeaders HeadersOf(HttpResponseMessage response)
    {
        var headers = new InvocationHeaders();
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!name.Equals(NodeEndpoint.ErrorHeader, StringComparison.OrdinalIgnoreCase)
                && !name.Equals(HeaderNames.TransferEncoding, StringComparison.OrdinalIgnoreCase)
                && !name.Equals(HeaderNames.Connection, StringComparison.OrdinalIgnoreCase))
            {
                headers[name] = values.ToArray();
            }
        }
        return headers;
    }

    /// <summary>At most <paramref name="limit"/> bytes; a longer answer is not read further (it is cut, and said so).</summary>
    private static async Task<(byte[] Body, bool Cut)> ReadCappedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        await using Stream stream = await content.ReadAsStreamAsync(cancellationToken);
        byte[] buffer = new byte[Math.Min(limit, 64 * 1024) + 1];
        using var body = new MemoryStream();
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            int room = limit - (int)body.Length;
            if (read > room)
            {
                body.Write(buffer, 0, room);
                return (body.ToArray(), true);
            }
            body.Write(buffer, 0, read);
        }
        return (body.ToArray(), false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Async invocation {Invocation}: instance {Instance} could not be reached")]
    private static partial void LogUnreachable(ILogger logger, Guid invocation, Guid instance, Exception exception);
}
