using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.NodeAgent.Backends;
using Platform.NodeAgent.Endpoint;
using Platform.NodeAgent.Instances;

namespace Platform.NodeAgent.Heartbeat;

/// <summary>
/// Registers the node with the scheduler (the first heartbeat) and keeps it alive: capacity, what is
/// allocated, the backends it runs, and the instances it runs, so the scheduler can reconcile both ways.
/// </summary>
internal sealed partial class HeartbeatService(
    IBus bus,
    IHostApplicationLifetime lifetime,
    IServiceProvider services,
    LocalInstances instances,
    NodeBackends backends,
    IOptions<NodeAgentOptions> options,
    TimeProvider time,
    ILogger<HeartbeatService> logger) : BackgroundService
{
    private readonly NodeAgentOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The first beat registers the node with its endpoint's address, which Kestrel knows only once it listens.
        if (!await StartedAsync(stoppingToken))
        {
            return;
        }
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, time);
        do
        {
            try
            {
                await bus.Publish(Build(), stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The bus may not be started yet, or the broker is away: the next beat retries.
                LogFailed(logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    internal NodeHeartbeat Build()
    {
        var running = instances.Snapshot();
        return new NodeHeartbeat(
            _options.Id,
            (_options.Url ?? ListenAddress.FindLoopback(services))?.AbsoluteUri,
            _options.MemoryMiB > 0 ? _options.MemoryMiB : (int)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024)),
            running.Sum(i => Isolation.FootprintMiB(i.Command.Spec.Isolation, i.MemoryMiB)),
            _options.Cpus > 0 ? _options.Cpus : Environment.ProcessorCount,
            running.Select(i => i.Id).ToList(),
            time.GetUtcNow(),
            backends.Available,
            running.Where(i => i.Running).Select(i => new InstanceActivity(i.Id, i.InFlight, i.LastRequestAt)).ToList());
    }

    private async Task<bool> StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled());
        try
        {
            await started.Task;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Heartbeat not sent")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
