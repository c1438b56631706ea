using Microsoft.Win32.SafeHandles;
using Platform.Contracts;

namespace Platform.NodeAgent.Instances;

/// <summary>An instance this node runs: its container, its network namespace handle and its lifecycle tasks.</summary>
internal sealed class LocalInstance(StartInstance command, string directory) : IDisposable
{
    private readonly CancellationTokenSource _starting = new();
    private readonly object _teardownLock = new();
    private Task? _teardown;
    private int _inFlight;
    private long _lastRequestTicks;
    private long _memoryBytes;

    public StartInstance Command { get; } = command;
    public Guid Id => Command.InstanceId;
    public Guid FunctionId => Command.FunctionId;
    public int Port => Command.Spec.Port;
    public int MemoryMiB => Command.Spec.MemoryMiB;
    public bool IsMicroVm => Command.Spec.Isolation == Isolation.MicroVm;

    /// <summary>The runtime's container id: the instance's id, or the spare's it was started from (<see cref="ContainerPool"/>).</summary>
    public string ContainerId { get; private set; } = command.InstanceId.ToString();

    /// <summary>Per-instance files (stdout/stderr logs, its record); named after its container; removed when the instance goes.</summary>
    public string Directory { get; private set; } = directory;

    /// <summary>Set once the runtime has created the container: from then on it must be deleted.</summary>
    public bool Created { get; set; }

    /// <summary>An egress instance's DNS relay on its own 127.0.0.1:53, closed at teardown.</summary>
    public Networking.EgressDnsRelay? Dns { get; set; }

    public int Pid { get; set; }

    /// <summary>The first host id of its user namespace range (<see cref="HostIdRanges"/>), while it holds one.</summary>
    public uint? HostId { get; set; }

    /// <summary>/proc/&lt;pid&gt;/ns/net of a container, opened once and kept: sockets for the gateway are created in it. Null for a microVM.</summary>
    public SafeFileHandle? Netns { get; set; }

    /// <summary>Completes with the container process's exit status once started.</summary>
    public Task<int>? Exited { get; set; }

    public Task StartTask { get; set; } = Task.CompletedTask;

    public List<Task> LogPumps { get; } = [];

    public bool Running { get; set; }

    /// <summary>Its cgroup's memory usage at the last check (for the node's total).</summary>
    public long MemoryBytes
    {
        get
        {
            lock (_teardownLock)
            {
                return _memoryBytes;
            }
        }
    }

    /// <summary>Set when the scheduler (or shutdown) asked it to stop: an exit is then expected, not a failure.</summary>
    public bool StopRequested { get; private set; }

    public CancellationToken StartCancellation => _starting.Token;

    /// <summary>Takes over a spare container (created, not started): its id, files, process, id range and network namespace.</summary>
    public void Claim(SpareContainer spare)
    {
        ContainerId = spare.ContainerId;
        Directory = spare.Directory;
        Pid = spare.Pid;
        HostId = spare.HostId;
        Netns = spare.Netns;
        Created = true;
    }

    /// <summary>An instance a previous run of the agent left running in <paramref name="containerId"/>.</summary>
    public void Adopt(string containerId, int pid, uint? hostId)
    {
        ContainerId = containerId;
        Pid = pid;
        HostId = hostId;
        Created = true;
    }

    public void RequestStop()
    {
        StopRequested = true;
        _starting.Cancel();
    }

    /// <summary>Requests being served now (what the scheduler must not stop under).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>When the last request arrived or ended; null before the first.</summary>
    public DateTimeOffset? LastRequestAt =>
        Interlocked.Read(ref _lastRequestTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>Counts one request in until the returned scope ends; both ends mark the instance active.</summary>
    public RequestScope BeginRequest(TimeProvider time)
    {
        Interlocked.Increment(ref _inFlight);
        Interlocked.Exchange(ref _lastRequestTicks, time.GetUtcNow().UtcTicks);
        return new RequestScope(this, time);
    }

    public readonly struct RequestScope(LocalInstance instance, TimeProvider time) : IDisposable
    {
        public void Dispose()
        {
            Interlocked.Exchange(ref instance._lastRequestTicks, time.GetUtcNow().UtcTicks);
            Interlocked.Decrement(ref instance._inFlight);
        }
    }

    /// <summary>Runs <paramref name="teardown"/> once, however many callers (stop, exit watcher, shutdown) ask.</summary>
    public Task TeardownOnceAsync(Func<Task> teardown)
    {
        lock (_teardownLock)
        {
            return _teardown ??= teardown();
        }
    }

    /// <summary>
    /// Records a memory sample and returns the change to the node's total; 0 once teardown began, so a sample
    /// racing a stop cannot add back what the teardown took off.
    /// </summary>
    public long SampleMemory(long bytes)
    {
        lock (_teardownLock)
        {
            if (_teardown is not null)
            {
                return 0;
            }
            long change = bytes - _memoryBytes;
            _memoryBytes = bytes;
            return change;
        }
    }

    // The start token source is not disposed: a late stop request may still cancel it, and it holds no timer.
    public void Dispose() => Netns?.Dispose();
}
