using System.Diagnostics;
using System.Globalization;
using Platform.Api.Figures;
using Prometheus;

namespace Platform.Api.Gateway;

/// <summary>
/// The gateway's Prometheus series, per function. Labelled only once the route is found, so the label values
/// are existing tenants and functions, never whatever path a client sends. prometheus-net's registry is
/// process-wide: in the embedded mode (and in tests) every host adds to the same series.
/// </summary>
internal static class GatewayMetrics
{
    private static readonly string[] Function = ["tenant", "function"];

    private static readonly Counter Requests = Metrics.CreateCounter(
        "platform_gateway_requests_total",
        "Requests the gateway answered for a function, by status code (the function's own, or the gateway's 401/404/502/503/504).",
        "tenant", "function", "code");

    private static readonly Histogram Duration = Metrics.CreateHistogram(
        "platform_gateway_request_duration_seconds",
        "Time from the gateway finding the function's route to the end of its answer, cold-start wait included.",
        new HistogramConfiguration { LabelNames = Function, Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });

    private static readonly Gauge InFlight = Metrics.CreateGauge(
        "platform_gateway_requests_in_flight",
        "Requests of a function the gateway holds now, waiting for an instance or forwarded to one.",
        Function);

    private static readonly Counter ColdStarts = Metrics.CreateCounter(
        "platform_gateway_cold_starts_total",
        "Requests that found no running instance of the function and waited for one to become ready.",
        Function);

    private static readonly Histogram ColdStartWait = Metrics.CreateHistogram(
        "platform_gateway_cold_start_wait_seconds",
        "How long a cold-start request waited for an instance (until one took it, or the cold-start timeout).",
        new HistogramConfiguration { LabelNames = Function, Buckets = Histogram.ExponentialBuckets(0.01, 2, 14) });

    private static readonly Histogram ColdStartFirstByte = Metrics.CreateHistogram(
        "platform_gateway_cold_start_first_byte_seconds",
        "A cold-start request's time from reaching the gateway to the first byte of its answer: the whole cold start as its client sees it, less the network.",
        new HistogramConfiguration { LabelNames = Function, Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });

    /// <summary>
    /// Counts the request in flight until disposed, then records its status code and duration, in Prometheus and
    /// in the per-minute <paramref name="figures"/> the dashboard reads.
    /// </summary>
    public static Measurement Measure(HttpContext context, FunctionRoute route, GatewayFigures figures) => new(context, route, figures);

    /// <summary>A request that found no running instance starts waiting.</summary>
    public static void ColdStart(FunctionRoute route, GatewayFigures figures)
    {
        ColdStarts.WithLabels(route.Tenant, route.Function).Inc();
        figures.ColdStart(route.Tenant, route.Function);
    }

    public static void ColdStartWaited(FunctionRoute route, TimeSpan waited) =>
        ColdStartWait.WithLabels(route.Tenant, route.Function).Observe(waited.TotalSeconds);

    public static void ColdStartAnswered(FunctionRoute route, TimeSpan firstByte) =>
        ColdStartFirstByte.WithLabels(route.Tenant, route.Function).Observe(firstByte.TotalSeconds);

    public readonly struct Measurement : IDisposable
    {
        private readonly HttpContext _context;
        private readonly FunctionRoute _route;
        private readonly GatewayFigures _figures;

        /// <summary>When the gateway found the function's route (a <see cref="Stopwatch"/> timestamp).</summary>
        public long Started { get; }

        public Measurement(HttpContext context, FunctionRoute route, GatewayFigures figures)
        {
            _context = context;
            _route = route;
            _figures = figures;
            Started = Stopwatch.GetTimestamp();
            InFlight.WithLabels(route.Tenant, route.Function).Inc();
        }

        public void Dispose()
        {
            InFlight.WithLabels(_route.Tenant, _route.Function).Dec();
            int status = _context.Response.StatusCode;
            TimeSpan elapsed = Stopwatch.GetElapsedTime(Started);
            Requests.WithLabels(_route.Tenant, _route.Function, status.ToString(CultureInfo.InvariantCulture)).Inc();
            Duration.WithLabels(_route.Tenant, _route.Function).Observe(elapsed.TotalSeconds);
            _figures.Record(_route.Tenant, _route.Function, status, elapsed);
        }
    }
}
