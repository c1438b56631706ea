using Microsoft.EntityFrameworkCore;
using Platform.Data;

namespace Platform.Api.Infrastructure;

/// <summary>
/// Applies the EF Core migrations when the host starts. Registered before every other hosted service, and hosted
/// services start one after another, so nothing touches the database before its schema is current. In a fleet
/// the database may still be starting (compose starts everything at once): connecting is retried for a minute.
/// Two processes migrating at once is safe: EF Core holds a migration lock.
/// </summary>
internal sealed partial class DatabaseMigrator(IServiceScopeFactory scopes, ILogger<DatabaseMigrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        DateTime giveUp = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            await using AsyncServiceScope scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            try
            {
                await db.Database.MigrateAsync(cancellationToken);
                LogMigrated(logger, db.Database.ProviderName ?? "?");
                return;
            }
            catch (System.Data.Common.DbException ex) when (DateTime.UtcNow < giveUp && !db.Database.IsSqlite())
            {
                LogRetrying(logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database cannot be reached yet ({Reason}): retrying")]
    private static partial void LogRetrying(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is current ({Provider})")]
    private static partial void LogMigrated(ILogger logger, string provider);
}
