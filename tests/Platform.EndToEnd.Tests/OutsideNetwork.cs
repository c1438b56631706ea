using System.Diagnostics;
using System.Net;
using Platform.EndToEnd.Tests.Fleet;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// "The internet" for egress tests, made by the test itself: a network namespace linked to the host by a veth
/// pair, with a public-looking address (TEST-NET-3, 203.0.113.0/24) and a private one (10.252.0.0/16), and busybox
/// httpd answering on port 80 of both. No traffic leaves the host.
/// </summary>
internal sealed class OutsideNetwork : IAsyncDisposable
{
    private readonly string _namespace;
    private readonly Process _server;
    private readonly DirectoryInfo _webRoot;

    private OutsideNetwork(string name, int block, Process server, DirectoryInfo webRoot)
    {
        _namespace = name;
        _server = server;
        _webRoot = webRoot;
        HostPublicAddress = IPAddress.Parse($"203.0.113.{(block * 4) + 1}");
        PublicAddress = IPAddress.Parse($"203.0.113.{(block * 4) + 2}");
        PrivateAddress = IPAddress.Parse($"10.252.{block}.2");
    }

    /// <summary>The host's end of the link: one of the node's own addresses.</summary>
    public IPAddress HostPublicAddress { get; }

    /// <summary>A server on the public internet, as far as the node can tell.</summary>
    public IPAddress PublicAddress { get; }

    /// <summary>A server on a private network (a fleet's database, say): denied to functions by default.</summary>
    public IPAddress PrivateAddress { get; }

    public static async Task<OutsideNetwork> StartAsync(CancellationToken cancellationToken)
    {
        var webRoot = Directory.CreateTempSubdirectory("platform-outside-");
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var name = "platform-outside-" + suffix;
        var link = "pout" + suffix;
        var block = Random.Shared.Next(1, 63);
        File.WriteAllText(Path.Combine(webRoot.FullName, "index.html"), "hello from outside\n");
        await Processes.RunAsync("ip", ["netns", "add", name], cancellationToken);
        try
        {
            await Processes.RunAsync("ip", ["link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", name], cancellationToken);
            await Processes.RunAsync("ip", ["addr", "add", $"203.0.113.{(block * 4) + 1}/30", "dev", link], cancellationToken);
            await Processes.RunAsync("ip", ["addr", "add", $"10.252.{block}.1/30", "dev", link], cancellationToken);
            await Processes.RunAsync("ip", ["link", "set", link, "up"], cancellationToken);
            await Processes.RunAsync("ip", ["-n", name, "addr", "add", $"203.0.113.{(block * 4) + 2}/30", "dev", "eth0"], cancellationToken);
            await Processes.RunAsync("ip", ["-n", name, "addr", "add", $"10.252.{block}.2/30", "dev", "eth0"], cancellationToken);
            await Processes.RunAsync("ip", ["-n", name, "link", "set", "eth0", "up"], cancellationToken);
            var server = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", name, "busybox", "httpd", "-f", "-p", "80", "-h", webRoot.FullName]))!;
            return new OutsideNetwork(name, block, server, webRoot);
        }
        catch
        {
            await Processes.RunAsync("ip", ["netns", "del", name], CancellationToken.None);
            webRoot.Delete(recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _server.Kill(entireProcessTree: true);
        await _server.WaitForExitAsync();
        _server.Dispose();
        // The veth pair goes with the namespace.
        await Processes.RunAsync("ip", ["netns", "del", _namespace], CancellationToken.None);
        _webRoot.Delete(recursive: true);
    }
}
