using Platform.Runtime.Spec;
using Platform.Runtime.Tests.Cli;
using Platform.Runtime.Tests.Linux;

namespace Platform.Runtime.Tests.Containers;

/// <summary>After delete nothing of a real container is left: cgroups, mounts, state directory, processes.</summary>
[Collection(ContainerCollection.Name)]
public sealed class DeleteTests(ContainerHost host)
{
    [Fact]
    public async Task Delete_of_an_exited_container_leaves_nothing_behind()
    {
        await using var container = await RuntimeContainer.CreateAsync(host, Limited(ContainerSpecs.Shell(host.Rootfs, "echo hi")));
        AssertCgroupsExist(container);

        Assert.Equal(0, await container.RunToExitAsync());
        Assert.Equal("hi\n", container.Output);
        await container.Runtime.DeleteAsync(container.Id, cancellationToken: TestContext.Current.CancellationToken);

        await AssertGoneAsync(container, [container.Pid]);
    }

    [Fact]
    public async Task Force_delete_of_a_running_container_leaves_nothing_behind()
    {
        await using var container = await RuntimeContainer.CreateAsync(host,
            Limited(ContainerSpecs.Shell(host.Rootfs, "sleep 1000 & sleep 1000 & echo ready; wait")));
        AssertCgroupsExist(container);
        await container.StartAsync();
        await container.WaitForOutputAsync("ready\n");
        var pids = await container.Runtime.GetPidsAsync(container.Id, TestContext.Current.CancellationToken);
        Assert.Equal(3, pids.Count);
        Assert.Contains(container.Pid, pids);

        await container.Runtime.DeleteAsync(container.Id, force: true, TestContext.Current.CancellationToken);

        await AssertGoneAsync(container, pids);
    }

    [Fact]
    public async Task Force_delete_of_a_created_container_leaves_nothing_behind()
    {
        await using var container = await RuntimeContainer.CreateAsync(host, Limited(ContainerSpecs.Shell(host.Rootfs, "echo never")));
        AssertCgroupsExist(container);
        Assert.True(TestContainer.Exists(container.Pid), "the created container's init is not waiting");

        await container.Runtime.DeleteAsync(container.Id, force: true, TestContext.Current.CancellationToken);

        await AssertGoneAsync(container, [container.Pid]);
        Assert.Equal("", container.Output);
    }

    /// <summary>Limits in several controllers, so the container has a cgroup in each hierarchy that delete must remove.</summary>
    private static RuntimeSpec Limited(RuntimeSpec spec)
    {
        spec.Linux!.Resources = new Resources
        {
            Memory = new MemoryResources { Limit = 64L << 20 },
            Pids = new PidsResources { Limit = 64 },
            Cpu = new CpuResources { Shares = 512 },
        };
        return spec;
    }

    /// <summary>The positive control: without it, "no cgroup after delete" would pass for a runtime that never made one.</summary>
    private static void AssertCgroupsExist(RuntimeContainer container)
    {
        var dirs = container.Cgroup.ExistingDirectories();
        Assert.True(CgroupFiles.IsV2 ? dirs.Count == 1 : dirs.Count >= 3, $"cgroup directories of {container.Cgroup.Path}: {string.Join(' ', dirs)}");
        Assert.True(Directory.Exists(container.StateDir), "no state directory after create");
    }

    private async Task AssertGoneAsync(RuntimeContainer container, IEnumerable<int> pids)
    {
        foreach (var pid in pids)
        {
            Assert.True(await TestContainer.GoneWithinDeadlineAsync(pid), $"process {pid} of {container.Id} still exists after delete");
        }

        Assert.Empty(container.Cgroup.ExistingDirectories());
        Leftovers.AssertNone(container.StateRoot, container.Id, host.Rootfs);
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), l => l.Contains(container.Bundle, StringComparison.Ordinal));
        var e = await Assert.ThrowsAsync<RuntimeException>(() => container.Runtime.GetStateAsync(container.Id, TestContext.Current.CancellationToken));
        Assert.Equal(RuntimeErrorKind.ContainerNotFound, e.Kind);
        Assert.Empty(await container.Runtime.ListAsync(TestContext.Current.CancellationToken));
    }
}
