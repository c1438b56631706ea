using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Spec;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Tests.Linux;

/// <summary>linux.rootfsPropagation with real containers: what a mount made inside reaches on the host.</summary>
[Collection(ContainerCollection.Name)]
public sealed class MountPropagationTests(ContainerHost host)
{
    [Fact]
    public async Task With_rshared_root_propagation_a_mount_made_in_an_rshared_volume_reaches_the_host()
    {
        host.RequireContainers();
        var volume = TempDirectory.Create("platform-volume-");
        try
        {
            Assert.Equal(0, Libc.mount("tmpfs", volume, "tmpfs", 0, "size=1m"));
            Assert.Equal(0, Libc.mount(null, volume, null, MS_SHARED, null));
            var spec = TestSpecs.Shell(host.Rootfs, "mkdir /vol/inner && mount -t tmpfs tmpfs /vol/inner && echo mounted");
            spec.Linux!.RootfsPropagation = "rshared";
            spec.Mounts!.Add(new Mount { Destination = "/vol", Type = "bind", Source = volume, Options = ["rbind", "rshared"] });
            var caps = spec.Process!.Capabilities!;
            caps.Bounding!.Add("CAP_SYS_ADMIN");
            caps.Effective!.Add("CAP_SYS_ADMIN");
            caps.Permitted!.Add("CAP_SYS_ADMIN");

            await using (var container = await TestContainer.CreateAsync(host, spec))
            {
                Assert.Equal("mounted\n", await container.RunAsync());
            }

            Assert.Contains(File.ReadLines("/proc/self/mountinfo"), line => line.Split(' ')[4] == $"{volume}/inner");
        }
        finally
        {
            Libc.umount2($"{volume}/inner", MNT_DETACH);
            Libc.umount2(volume, MNT_DETACH);
            Directory.Delete(volume, recursive: true);
        }
    }
}
