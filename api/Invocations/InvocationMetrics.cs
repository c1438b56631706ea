using Platform.Data.Entities;
using Prometheus;

namespace Platform.Api.Invocations;

/// <summary>Async invocations' Prometheus series: how attempts end, per function.</summary>
internal static class InvocationMetrics
{
    private static readonly Counter Outcomes = Metrics.CreateCounter(
        "platform_async_invocation_attempts_total",
        "Attempts of async invocations by how they ended: succeeded, failed (no attempts left) or retried.",
        "tenant", "function", "outcome");

    public static void Finished(string? tenant, string? function, InvocationStatus status) =>
        Count(tenant, function, status == InvocationStatus.Succeeded ? "succeeded" : "failed");

    public static void Retried(string? tenant, string? function) => Count(tenant, function, "retried");

    // A function deleted meanwhile has no labels left to give.
    private static void Count(string? tenant, string? function, string outcome)
    {
        if (tenant is not null && function is not null)
        {
            Outcomes.WithLabels(tenant, function, outcome).Inc();
        }
    }
}
