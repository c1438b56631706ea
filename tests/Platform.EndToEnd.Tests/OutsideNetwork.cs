using System.Diagnostics;
using System.Net;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// "The internet" for egress tests, made by the test itself: a network namespace linked to the host by a veth
/// pair, with a public-looking address (TEST-NET-3, 203.0.113.0/24) and a private one (10.252.0.0/16), and busybox
/// httpd answering on port 80 of both. No traffic leaves the host.
/// </summary>
internal sealed class OutsideNetwork : IDisposable
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

    public static OutsideNetwork Start()
    {
        var webRoot = Directory.CreateTempSubdirectory("platform-outside-");
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var name = "platform-outside-" + suffix;
        var link = "pout" + suffix;
        var block = Random.Shared.Next(1, 63);
        File.WriteAllText(Path.Combine(webRoot.FullName, "index.html"), "hello from outside\n");
        Ip("netns", "add", name);
        try
        {
            Ip("link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", name);
            Ip("addr", "add", $"203.0.113.{(block * 4) + 1}/30", "dev", link);
            Ip("addr", "add", $"10.252.{block}.1/30", "dev", link);
            Ip("link", "set", link, "up");
            Ip("-n", name, "addr", "add", $"203.0.113.{(block * 4) + 2}/30", "dev", "eth0");
            Ip("-n", name, "addr", "add", $"10.252.{block}.2/30", "dev", "eth0");
            Ip("-n", name, "link", "set", "eth0", "up");
            var server = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", name, "busybox", "httpd", "-f", "-p", "80", "-h", webRoot.FullName]))!;
            return new OutsideNetwork(name, block, server, webRoot);
        }
        catch
        {
            Ip("netns", "del", name);
            webRoot.Delete(recursive: true);
            throw;
        }
    }

    public void Dispose()
    {
        _server.Kill(entireProcessTree: true);
        _server.WaitForExit();
        _server.Dispose();
        // The veth pair goes with the namespace.
        Ip("netns", "del", _namespace);
        _webRoot.Delete(recursive: true);
    }

    private static void Ip(params string[] arguments)
    {
        using var ip = Process.Start(new ProcessStartInfo("ip", arguments) { RedirectStandardError = true })!;
        var error = ip.StandardError.ReadToEnd();
        ip.WaitForExit();
        Assert.True(ip.ExitCode == 0, $"ip {string.Join(' ', arguments)}: {error}");
    }
}
