using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.NodeAgent.Instances;

namespace Platform.NodeAgent.Tests;

/// <summary>What the pool of created-but-not-started containers keeps, hands out and gives up (its decisions; the node agent's tests run the containers).</summary>
public sealed class ContainerPoolTests
{
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = 1;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    private readonly ManualClock _clock = new();

    private ContainerPool Pool(int size = 1, int versions = 16) =>
        new(Options.Create(new NodeAgentOptions { PoolSize = size, PoolVersions = versions, PoolIdle = TimeSpan.FromMinutes(10) }), _clock);

    private static StartInstance Command(Guid? function = null, int version = 1, int memoryMiB = 64, Dictionary<string, string>? env = null,
        string isolation = Isolation.Container, IReadOnlyList<string>? secrets = null) =>
        new(Guid.NewGuid(), "n1", function ?? Guid.NewGuid(), "t", "f", version, "sha256:ab",
            new InstanceSpec(memoryMiB, 1000, 30, 10, 8080, env ?? [], isolation, secrets));

    private static SpareContainer Spare(string key, Guid function) => new(key, function, Guid.NewGuid(), "/nonexistent");

    private static string Fill(ContainerPool pool, StartInstance command)
    {
        var key = ContainerPool.KeyOf(command);
        Assert.True(pool.TryBeginFill(key, command.FunctionId, out _));
        Assert.True(pool.EndFill(key, Spare(key, command.FunctionId)));
        return key;
    }

    [Fact]
    public void Starts_of_one_version_with_the_same_settings_share_a_key_whatever_the_instance_and_env_order()
    {
        var function = Guid.NewGuid();
        var a = Command(function, env: new() { ["A"] = "1", ["B"] = "2" });
        var b = Command(function, env: new() { ["B"] = "2", ["A"] = "1" });
        Assert.NotEqual(a.InstanceId, b.InstanceId);
        Assert.Equal(ContainerPool.KeyOf(a), ContainerPool.KeyOf(b));
        Assert.NotEqual(ContainerPool.KeyOf(a), ContainerPool.KeyOf(a with { Version = 2 }));
        Assert.NotEqual(ContainerPool.KeyOf(a), ContainerPool.KeyOf(Command(function, memoryMiB: 128, env: new() { ["A"] = "1", ["B"] = "2" })));
        Assert.NotEqual(ContainerPool.KeyOf(a), ContainerPool.KeyOf(Command(function, env: new() { ["A"] = "1", ["B"] = "3" })));
    }

    [Fact]
    public void Only_containers_without_secrets_are_pooled_and_size_0_turns_the_pool_off()
    {
        Assert.True(Pool().IsPoolable(Command()));
        Assert.False(Pool().IsPoolable(Command(isolation: Isolation.MicroVm)));
        Assert.False(Pool().IsPoolable(Command(secrets: ["DB_PASSWORD"])));
        Assert.False(Pool(size: 0).IsPoolable(Command()));
    }

    [Fact]
    public void A_version_gets_spares_up_to_the_pool_size_counting_those_being_made_and_a_start_takes_them_oldest_first()
    {
        var pool = Pool(size: 2);
        var command = Command();
        var key = ContainerPool.KeyOf(command);
        Assert.Null(pool.TryTake(key));

        Assert.True(pool.TryBeginFill(key, command.FunctionId, out _));
        Assert.True(pool.TryBeginFill(key, command.FunctionId, out _));
        Assert.False(pool.TryBeginFill(key, command.FunctionId, out _)); // two on the way already
        var first = Spare(key, command.FunctionId);
        var second = Spare(key, command.FunctionId);
        Assert.True(pool.EndFill(key, first));
        Assert.True(pool.EndFill(key, second));
        Assert.Equal(2, pool.Count);

        Assert.Same(first, pool.TryTake(key));
        Assert.Same(second, pool.TryTake(key));
        Assert.Null(pool.TryTake(key));
        Assert.Null(pool.TryTake(ContainerPool.KeyOf(Command())));
    }

    [Fact]
    public void A_failed_fill_frees_its_place()
    {
        var pool = Pool();
        var command = Command();
        var key = ContainerPool.KeyOf(command);
        Assert.True(pool.TryBeginFill(key, command.FunctionId, out _));
        Assert.True(pool.EndFill(key, null));
        Assert.True(pool.TryBeginFill(key, command.FunctionId, out _));
    }

    [Fact]
    public void Beyond_the_version_limit_the_least_recently_started_version_gives_its_spares_up()
    {
        var pool = Pool(versions: 2);
        var (a, b, c) = (Command(), Command(), Command());
        var keyA = Fill(pool, a);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var keyB = Fill(pool, b);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(pool.TryTake(ContainerPool.KeyOf(Command()))); // an unknown key takes no place
        _ = pool.TryTake(keyA); // a started again: b is now the least recent
        _clock.Advance(TimeSpan.FromSeconds(1));

        var keyC = ContainerPool.KeyOf(c);
        Assert.True(pool.TryBeginFill(keyC, c.FunctionId, out var evicted));
        Assert.Equal(keyB, Assert.Single(evicted).Key);
    }

    [Fact]
    public void A_version_not_started_for_the_idle_time_gives_its_spares_up()
    {
        var pool = Pool();
        var old = Fill(pool, Command());
        _clock.Advance(TimeSpan.FromMinutes(6));
        var recent = Fill(pool, Command());
        _clock.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(old, Assert.Single(pool.TakeIdle()).Key);
        Assert.Equal(1, pool.Count);
        Assert.NotNull(pool.TryTake(recent));
    }

    [Fact]
    public void A_deleted_functions_spares_go_and_one_being_made_meanwhile_is_refused()
    {
        var pool = Pool();
        var function = Guid.NewGuid();
        var version1 = Fill(pool, Command(function, version: 1));
        var other = Fill(pool, Command());
        var version2 = ContainerPool.KeyOf(Command(function, version: 2));
        Assert.True(pool.TryBeginFill(version2, function, out _));

        Assert.Equal(version1, Assert.Single(pool.RemoveFunction(function)).Key);
        Assert.False(pool.EndFill(version2, Spare(version2, function)));
        Assert.Equal(1, pool.Count);
        Assert.Equal(other, Assert.Single(pool.TakeAll()).Key);
        Assert.Equal(0, pool.Count);
    }
}
