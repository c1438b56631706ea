using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.Infrastructure;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Tests;

/// <summary>A message only these tests publish and consume.</summary>
public sealed record OutboxProbe(string Name);

public sealed class OutboxTests
{
    private static PlatformFactory Platform() => new(settings: new Dictionary<string, string?>
    {
        ["Platform:Outbox:PollInterval"] = "00:00:00.100",
        ["Platform:Outbox:LeftOverAfter"] = "00:00:00.500",
    });

    [Fact]
    public async Task A_row_its_process_never_published_is_published_by_a_relay_with_its_correlation_id_then_deleted()
    {
        await using var platform = Platform();
        var probes = await platform.RecordAsync<OutboxProbe>();
        await using (var scope = platform.Services.CreateAsyncScope())
        {
            // As a process that died after its commit leaves it: saved by a context without the platform's
            // interceptors, so no relay was handed it.
            var connection = scope.ServiceProvider.GetRequiredService<PlatformDbContext>().Database.GetConnectionString();
            await using var bare = new PlatformDbContext(new DbContextOptionsBuilder<PlatformDbContext>().UseSqlite(connection).Options);
            var row = OutboxMessage.For(new OutboxProbe("left over"));
            row.CorrelationId = "corr-left-over";
            row.CreatedAt -= TimeSpan.FromMinutes(1);
            bare.Outbox.Add(row);
            await bare.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        var headers = await probes.WaitForHeadersAsync(p => p.Name == "left over");
        Assert.Equal("corr-left-over", headers["X-Correlation-Id"]?.ToString());
        await WaitForEmptyOutboxAsync(platform);
    }

    [Fact]
    public async Task Messages_go_out_once_their_transaction_commits_and_never_when_it_rolls_back()
    {
        await using var platform = Platform();
        var probes = await platform.RecordAsync<OutboxProbe>();
        var ct = TestContext.Current.CancellationToken;
        await using (var scope = platform.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            await using (var rolledBack = await db.Database.BeginTransactionAsync(ct))
            {
                db.Enqueue(new OutboxProbe("rolled back"));
                await db.SaveChangesAsync(ct);
                await rolledBack.RollbackAsync(ct);
            }
            await using (var committed = await db.Database.BeginTransactionAsync(ct))
            {
                db.Enqueue(new OutboxProbe("in a transaction"));
                await db.SaveChangesAsync(ct);
                await committed.CommitAsync(ct);
            }
            db.Enqueue(new OutboxProbe("plain save"));
            await db.SaveChangesAsync(ct);
        }

        await probes.WaitForAsync(p => p.Name == "in a transaction");
        await probes.WaitForAsync(p => p.Name == "plain save");
        await WaitForEmptyOutboxAsync(platform);
        // Every row is gone and the relays have had several polls past LeftOverAfter: nothing else can go out.
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        Assert.DoesNotContain(probes.Messages, p => p.Name == "rolled back");
        Assert.Single(probes.Messages, p => p.Name == "plain save");
    }

    private static async Task WaitForEmptyOutboxAsync(PlatformFactory platform)
    {
        for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            await using var scope = platform.Services.CreateAsyncScope();
            if (!await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().Outbox.AnyAsync())
            {
                return;
            }
        }
        Assert.Fail("the outbox still holds rows");
    }
}
