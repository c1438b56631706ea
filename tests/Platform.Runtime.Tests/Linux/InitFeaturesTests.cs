using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Tests.Linux;

/// <summary>Terminal, in-container hooks, devices, sysctl: what the C# init does beyond the basics.</summary>
[Collection(ContainerCollection.Name)]
public sealed class InitFeaturesTests(ContainerHost host)
{
    [Fact]
    public async Task Terminal_container_sends_its_pty_master_to_the_console_socket()
    {
        host.RequireContainers();
        var socketDir = TempDirectory.Create("platform-console-");
        try
        {
            using var listener = new ConsoleSocketListener(Path.Combine(socketDir, "console.sock"));
            var spec = TestSpecs.Shell(host.Rootfs, "tty; [ -t 0 ] && echo stdin-is-tty");
            spec.Process!.Terminal = true;
            spec.Process.ConsoleSize = new ConsoleSize { Height = 40, Width = 100 };
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var receive = listener.ReceiveMasterAsync(cts.Token);
            await using var container = await TestContainer.CreateAsync(host, spec, consoleSocket: listener.Path);
            var (masterFd, name) = await receive;
            Assert.Equal("/dev/ptmx", name);
            using var master = new SafeFileHandle(masterFd, ownsHandle: true);
            await container.StartAsync();
            var output = await ReadPtyAsync(master).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            Assert.Equal("/dev/pts/0\r\nstdin-is-tty\r\n", output);
        }
        finally
        {
            Directory.Delete(socketDir, recursive: true);
        }
    }

    [Fact]
    public async Task Terminal_without_console_socket_is_refused()
    {
        host.RequireContainers();
        var spec = TestSpecs.Shell(host.Rootfs, "true");
        spec.Process!.Terminal = true;
        var error = await Assert.ThrowsAsync<RuntimeException>(() => TestContainer.CreateAsync(host, spec));
        Assert.Equal(RuntimeErrorKind.InvalidArgument, error.Kind);
    }

    [Fact]
    public async Task CreateContainer_hook_runs_in_the_container_namespaces_with_the_state_on_stdin()
    {
        host.RequireContainers();
        var outDir = TempDirectory.Create("platform-hook-");
        try
        {
            var spec = TestSpecs.Shell(host.Rootfs, "true");
            spec.Annotations = new Dictionary<string, string> { ["org.example"] = "yes" };
            spec.Hooks = new Spec.Hooks
            {
                CreateContainer =
                [
                    new Hook { Path = "/bin/sh", Args = ["sh", "-c", $"cat > {outDir}/state.json; readlink /proc/self/ns/net > {outDir}/netns; echo $HOOK_ENV > {outDir}/env"], Env = ["HOOK_ENV=from-spec"] },
                ],
            };
            await using var container = await TestContainer.CreateAsync(host, spec);
            using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "state.json")));
            Assert.Equal("creating", state.RootElement.GetProperty("status").GetString());
            Assert.Equal(container.BundleDir, state.RootElement.GetProperty("bundle").GetString());
            Assert.Equal("yes", state.RootElement.GetProperty("annotations").GetProperty("org.example").GetString());
            Assert.Equal(new FileInfo($"/proc/{container.Pid}/ns/net").LinkTarget + "\n", File.ReadAllText(Path.Combine(outDir, "netns")));
            Assert.Equal("from-spec\n", File.ReadAllText(Path.Combine(outDir, "env")));
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    [Fact]
    public async Task Failing_createContainer_hook_fails_create()
    {
        host.RequireContainers();
        var spec = TestSpecs.Shell(host.Rootfs, "true");
        spec.Hooks = new Spec.Hooks { CreateContainer = [new Hook { Path = "/bin/false" }] };
        var error = await Assert.ThrowsAsync<RuntimeException>(() => TestContainer.CreateAsync(host, spec));
        // Thrown in the init, reported over its channel: the kind arrives with the message.
        Assert.Equal(RuntimeErrorKind.HookFailed, error.Kind);
        Assert.Equal("hooks.createContainer[0]: /bin/false failed with exit status 1", error.Message);
    }

    [Fact]
    public async Task Hook_past_its_timeout_is_killed_and_fails_create()
    {
        host.RequireContainers();
        var spec = TestSpecs.Shell(host.Rootfs, "true");
        spec.Hooks = new Spec.Hooks { CreateContainer = [new Hook { Path = "/bin/sleep", Args = ["sleep", "600"], Timeout = 1 }] };
        var error = await Assert.ThrowsAsync<RuntimeException>(() => TestContainer.CreateAsync(host, spec));
        Assert.Equal(RuntimeErrorKind.HookFailed, error.Kind);
        Assert.Equal("hooks.createContainer[0]: /bin/sleep timed out after 1 s", error.Message);
    }

    [Fact]
    public async Task StartContainer_hook_runs_inside_the_container_after_start()
    {
        host.RequireContainers();
        var marker = $"/tmp/start-{Guid.NewGuid():N}";
        var spec = TestSpecs.Shell(host.Rootfs, $"cat {marker}; rm {marker}");
        spec.Hooks = new Spec.Hooks { StartContainer = [new Hook { Path = "/bin/sh", Args = ["sh", "-c", $"cat > {marker}"] }] };
        await using var container = await TestContainer.CreateAsync(host, spec);
        Assert.False(File.Exists(host.Rootfs + marker), "startContainer ran before start");
        using var state = JsonDocument.Parse(await container.RunAsync());
        Assert.Equal("created", state.RootElement.GetProperty("status").GetString());
        Assert.Equal(1, state.RootElement.GetProperty("pid").GetInt32());
    }

    [Fact]
    public async Task Spec_devices_are_created_with_their_mode()
    {
        var spec = TestSpecs.Shell(host.Rootfs, "stat -c '%F %t:%T %a' /dev/fuse-like");
        spec.Linux!.Devices = [new Device { Type = "c", Path = "/dev/fuse-like", Major = 10, Minor = 229, FileMode = 0x1B0 }];
        host.RequireContainers();
        await using var container = await TestContainer.CreateAsync(host, spec);
        Assert.Equal("character special file a:e5 660\n", await container.RunAsync());
    }

    [Fact]
    public async Task Sysctl_is_written_in_the_container_namespaces()
    {
        host.RequireContainers();
        var spec = TestSpecs.Shell(host.Rootfs, "cat /proc/sys/net/ipv4/ip_unprivileged_port_start");
        spec.Linux!.Sysctl = new Dictionary<string, string> { ["net.ipv4.ip_unprivileged_port_start"] = "80" };
        await using var container = await TestContainer.CreateAsync(host, spec);
        Assert.Equal("80\n", await container.RunAsync());
        Assert.NotEqual("80", File.ReadAllText("/proc/sys/net/ipv4/ip_unprivileged_port_start").Trim());
    }

    /// <summary>Reads the pty until the slave side is gone (EIO once the container exited).</summary>
    private static Task<string> ReadPtyAsync(SafeFileHandle master) => Task.Run(() =>
    {
        var text = new System.Text.StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            nint n;
            unsafe
            {
                fixed (byte* p = buffer)
                {
                    n = Platform.Runtime.Linux.Interop.Libc.read((int)master.DangerousGetHandle(), p, buffer.Length);
                }
            }
            if (n <= 0)
            {
                return text.ToString();
            }

            text.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, (int)n));
        }
    });
}
