using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Platform.Contracts;
using Platform.NodeAgent.Instances;
using Platform.NodeAgent.Networking;

namespace Platform.NodeAgent.Tests;

/// <summary>The connector for real: a busybox httpd in its own loopback-only network namespace.</summary>
public sealed class LocalInstanceConnectorTests
{
    private const int Port = 18_734;

    [Fact]
    public async Task Connects_to_the_instances_loopback_which_the_host_cannot_reach()
    {
        if (Environment.UserName != "root" || !File.Exists("/bin/busybox") || !File.Exists("/usr/bin/unshare"))
        {
            Assert.Skip("needs root, /bin/busybox and unshare");
        }

        var www = Directory.CreateTempSubdirectory("h5-netns-");
        await File.WriteAllTextAsync(Path.Combine(www.FullName, "index.html"), "inside", TestContext.Current.CancellationToken);
        using var server = Process.Start(new ProcessStartInfo("/usr/bin/unshare",
            ["--net", "/bin/sh", "-c", $"busybox ip link set lo up && exec busybox httpd -f -p 127.0.0.1:{Port} -h {www.FullName}"])
        {
            RedirectStandardError = true,
        })!;
        using var sockets = new NetnsSocketFactory();
        var instances = new LocalInstances();
        var command = new StartInstance(Guid.NewGuid(), "n1", Guid.NewGuid(), "t", "f", 1, "sha256:" + new string('0', 64),
            new InstanceSpec(64, 100, 30, 1, Port, new Dictionary<string, string>(), "container"));
        using var instance = new LocalInstance(command, www.FullName);
        try
        {
            await WaitForOwnNamespaceAsync(server.Id);
            instance.Netns = NetnsSocketFactory.OpenNamespace($"/proc/{server.Id}/ns/net");
            instance.Created = true;
            instances.TryAdd(instance);
            var connector = new LocalInstanceConnector(instances, sockets, new Platform.Runtime.ContainerRuntime(new Platform.Runtime.RuntimeOptions { Root = Path.Combine(www.FullName, "run") }));

            string body;
            try
            {
                body = await GetWithRetryAsync(connector, instance.Id);
            }
            catch (SocketException) when (server.HasExited)
            {
                Assert.Fail($"the server exited with {server.ExitCode}: {await server.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken)}");
                throw;
            }

            Assert.Contains("inside", body);
            using var host = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await Assert.ThrowsAsync<SocketException>(async () =>
                await host.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port), TestContext.Current.CancellationToken));
            await Assert.ThrowsAsync<IOException>(async () =>
                await connector.ConnectAsync(Guid.NewGuid(), TestContext.Current.CancellationToken));
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync(TestContext.Current.CancellationToken);
            www.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_microvm_whose_container_is_gone_is_unreachable_not_an_error()
    {
        var dir = Directory.CreateTempSubdirectory("h5-vm-gone-");
        try
        {
            var instances = new LocalInstances();
            var command = new StartInstance(Guid.NewGuid(), "n1", Guid.NewGuid(), "t", "f", 1, "sha256:" + new string('0', 64),
                new InstanceSpec(64, 100, 30, 1, Port, new Dictionary<string, string>(), Isolation.MicroVm));
            using var instance = new LocalInstance(command, dir.FullName) { Created = true };
            instances.TryAdd(instance);
            using var sockets = new NetnsSocketFactory();
            var runtime = new Platform.Runtime.ContainerRuntime(new Platform.Runtime.RuntimeOptions { Root = Path.Combine(dir.FullName, "run") });
            var connector = new LocalInstanceConnector(instances, sockets, runtime);

            // The runtime says ContainerNotFound; the forwarder and the probe expect an IOException for "not reachable".
            var e = await Assert.ThrowsAsync<IOException>(async () => await connector.ConnectAsync(instance.Id, TestContext.Current.CancellationToken));
            Assert.Equal(Platform.Runtime.RuntimeErrorKind.ContainerNotFound, Assert.IsType<Platform.Runtime.RuntimeException>(e.InnerException).Kind);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    // unshare(1) creates the namespace only after it starts: opening /proc/<pid>/ns/net earlier yields the host's.
    internal static async Task WaitForOwnNamespaceAsync(int pid)
    {
        var host = new FileInfo("/proc/self/ns/net").LinkTarget;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (new FileInfo($"/proc/{pid}/ns/net").LinkTarget == host)
        {
            Assert.True(DateTime.UtcNow < deadline, "the server never entered its own network namespace");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    // The server needs a moment to bind: poll with a generous deadline.
    private static async Task<string> GetWithRetryAsync(LocalInstanceConnector connector, Guid instanceId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await using var stream = await connector.ConnectAsync(instanceId, TestContext.Current.CancellationToken);
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.0\r\nHost: x\r\n\r\n"), TestContext.Current.CancellationToken);
                using var reader = new StreamReader(stream);
                return await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }
    }
}
