using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Api.Options;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Gateway;

/// <summary>
/// Fills <see cref="InstanceDirectory"/> from the database when the api starts (before the bus delivers events)
/// and compares it again every <see cref="GatewayOptions.ResyncInterval"/>, which repairs an event lost in a
/// broker outage, and sooner when a request has waited long (<see cref="InstanceDirectory.RequestResync"/>).
/// Events, not this loop, are what normally wakes waiting requests.
/// </summary>
internal sealed partial class InstanceDirectorySync(
    IServiceScopeFactory scopes,
    InstanceDirectory directory,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<InstanceDirectorySync> logger) : BackgroundService
{
    private static readonly TimeSpan MinimumGap = TimeSpan.FromSeconds(1);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await SyncAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // The interval, or sooner when a waiting request asks; never more than once a second.
                await directory.WaitForResyncRequestAsync(options.Value.ResyncInterval, stoppingToken);
                await Task.Delay(MinimumGap, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await SyncAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, ex);
            }
        }
    }

    private async Task SyncAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset readAt = time.GetUtcNow();
        await using AsyncServiceScope scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var rows = await (
            from i in db.Instances.AsNoTracking()
            join n in db.Nodes.AsNoTracking() on i.NodeId equals n.Id
            where i.State == InstanceState.Running && n.State != NodeState.Down && n.Address != null
            select new { i.Id, i.FunctionId, i.VersionNumber, n.Address }).ToListAsync(cancellationToken);
        var running = rows
            .Where(r => Uri.IsWellFormedUriString(r.Address, UriKind.Absolute))
            .Select(r => new RoutedInstance(r.Id, r.FunctionId, r.VersionNumber, new Uri(r.Address!)))
            .ToList();
        directory.Resync(running, readAt);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Comparing the gateway's instances with the database failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
