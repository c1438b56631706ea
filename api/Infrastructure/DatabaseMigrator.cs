using Microsoft.EntityFrameworkCore;
using Platform.Data;

namespace Platform.Api.Infrastructure;

/// <summary>
/// Applies the EF Core migrations when the host starts. Registered before every other hosted service, and hosted
/// services start one after another, so nothing touches the database before its schema is current.
/// </summary>
internal sealed partial class DatabaseMigrator(IServiceScopeFactory scopes, ILogger<DatabaseMigrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using AsyncServiceScope scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        await db.Database.MigrateAsync(cancellationToken);
        LogMigrated(logger, db.Database.ProviderName ?? "?");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is current ({Provider})")]
    private static partial void LogMigrated(ILogger logger, string provider);
}
