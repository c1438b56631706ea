using Platform.Contracts;
using Platform.NodeAgent.Instances;

namespace Platform.NodeAgent.Tests;

/// <summary>
/// The node's memory gauge adds each instance's change since its last sample and takes its last sample off at
/// teardown; a sample that races the teardown must not add back what the teardown took off.
/// </summary>
public sealed class LocalInstanceMemoryTests
{
    private static LocalInstance NewInstance() => new(
        new StartInstance(Guid.NewGuid(), "node", Guid.NewGuid(), "acme", "hello", 1, "sha256:00",
            new InstanceSpec(128, 1000, 30, 1, 8080, new Dictionary<string, string>(), Isolation.Container)),
        Path.GetTempPath());

    [Fact]
    public void Samples_add_their_change_since_the_last_one()
    {
        using LocalInstance instance = NewInstance();
        Assert.Equal(100, instance.SampleMemory(100));
        Assert.Equal(50, instance.SampleMemory(150));
        Assert.Equal(-120, instance.SampleMemory(30));
        Assert.Equal(30, instance.MemoryBytes);
    }

    [Fact]
    public async Task A_sample_after_teardown_began_changes_nothing()
    {
        using LocalInstance instance = NewInstance();
        instance.SampleMemory(100);
        await instance.TeardownOnceAsync(() => Task.CompletedTask);
        Assert.Equal(0, instance.SampleMemory(400));
        Assert.Equal(100, instance.MemoryBytes);
    }
}
