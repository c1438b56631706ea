using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Platform.Api.Infrastructure;

/// <summary>
/// SQLite as a server's database, not a document's: write-ahead logging (readers never wait for the writer, and
/// the api, scheduler and node agent of one process write all the time) with <c>synchronous=NORMAL</c>, which
/// syncs at checkpoints instead of at every commit. A commit survives the process crashing; only a power loss
/// can take the last ones back. The default (a rollback journal synced several times per commit) put
/// milliseconds of disk waits on every cold start's path. The fleet runs on PostgreSQL.
/// </summary>
internal sealed class SqliteConnectionSettings : DbConnectionInterceptor
{
    public static readonly SqliteConnectionSettings Instance = new();

    // journal_mode is kept in the file (set once, a no-op after); synchronous belongs to each connection.
    private const string Pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using DbCommand command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using DbCommand command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
