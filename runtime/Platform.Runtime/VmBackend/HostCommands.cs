namespace Platform.Runtime.VmBackend;

/// <summary>
/// The guest agent's one reader of the control channel: it waits for Start, passes signals to the container,
/// and completes <see cref="Closed"/> when the host closes the channel. The agent waits for that before it
/// reboots: what it wrote last (the exit status) may still be in the guest's vsock queue, and a reboot would
/// drop it; the host closes only once it has read it.
/// </summary>
internal sealed class HostCommands
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public HostCommands(AgentChannel control) => Closed = ReadAsync(control);

    /// <summary>Set once the container exists, so signals reach it.</summary>
    public ContainerRuntime? Runtime { get; set; }

    public string ContainerId { get; init; } = "";

    /// <summary>Completes when the host says Start; fails when it closes the channel first.</summary>
    public Task Started => _started.Task;

    public Task Closed { get; }

    private async Task ReadAsync(AgentChannel control)
    {
        try
        {
            while (await control.ReceiveAsync(CancellationToken.None) is { } frame)
            {
                if (frame.Type == AgentMessage.Start)
                {
                    _started.TrySetResult();
                }
                else if (frame.Type == AgentMessage.Signal && Runtime is { } runtime)
                {
                    await SignalAsync(runtime, AgentChannel.ReadInt32(frame.Payload));
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            // A broken channel is a closed one.
        }
        _started.TrySetException(new RuntimeException(RuntimeErrorKind.HostFailure, "the host closed the control channel before start"));
    }

    private async Task SignalAsync(ContainerRuntime runtime, int signal)
    {
        try
        {
            await runtime.KillAsync(ContainerId, signal);
        }
        catch (RuntimeException)
        {
            // The process may be gone already; its exit status still goes out.
        }
    }
}
