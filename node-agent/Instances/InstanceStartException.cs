namespace Platform.NodeAgent.Instances;

/// <summary>An instance did not come up; the message is the reason reported to the scheduler and the user.</summary>
internal sealed class InstanceStartException(string message) : Exception(message);
