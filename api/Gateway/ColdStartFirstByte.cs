using System.Diagnostics;

namespace Platform.Api.Gateway;

/// <summary>
/// The gateway's end of a cold start's breakdown: when the answer of a request that waited for an instance
/// starts, its time from reaching the gateway to that first byte goes to the histogram and the log line, with
/// how much of it was the wait (the node agent logs and measures the phases within: schedule, bundle, create,
/// start, ready).
/// </summary>
internal static partial class ColdStartFirstByte
{
    public static void ObserveOnce(HttpContext context, FunctionRoute route, TimeSpan waited, long arrived, ILogger logger)
    {
        if (context.Items.TryAdd(typeof(ColdStartFirstByte), null))
        {
            context.Response.OnStarting(() =>
            {
                TimeSpan firstByte = Stopwatch.GetElapsedTime(arrived);
                GatewayMetrics.ColdStartAnswered(route, firstByte);
                LogAnswered(logger, route.Tenant, route.Function, firstByte.TotalMilliseconds, waited.TotalMilliseconds);
                return Task.CompletedTask;
            });
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cold start of {Tenant}/{Function}: first byte after {FirstByteMs:0.0} ms, {WaitedMs:0.0} ms of it waiting for an instance")]
    private static partial void LogAnswered(ILogger logger, string tenant, string function, double firstByteMs, double waitedMs);
}
