using System.Linq.Expressions;
using Platform.Data.Entities;

namespace Platform.Scheduler.Convergence;

internal static class InstanceStates
{
    /// <summary>
    /// Instances that hold resources on their node. An expression of plain comparisons, so it translates on
    /// every provider whatever the enum's column mapping.
    /// </summary>
    public static readonly Expression<Func<Instance, bool>> IsActive = i =>
        i.State == InstanceState.Pending
        || i.State == InstanceState.Starting
        || i.State == InstanceState.Running
        || i.State == InstanceState.Stopping;

    public static bool IsTerminal(InstanceState state) => state is InstanceState.Stopped or InstanceState.Failed;
}
