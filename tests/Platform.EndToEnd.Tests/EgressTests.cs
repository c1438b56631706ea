using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Egress, with real containers and a network the test makes (<see cref="OutsideNetwork"/>): a function whose
/// settings allow it reaches a server outside, by address and by name (the node relays its DNS to the node's
/// resolver, here <see cref="FakeDnsServer"/>), and nothing of the node, of other instances or of the denied
/// private networks; a function without it has only its loopback and no name resolution. The answers come from inside the function
/// (the echo sample's <c>/cgi-bin/connect</c>, samples/echo/sandbox-probe.c).
/// </summary>
public sealed partial class EgressTests : IAsyncLifetime
{
    private EmbeddedPlatform? _platform;
    private OutsideNetwork? _outside;
    private FakeDnsServer? _dns;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_function_with_egress_reaches_outside_but_not_the_node_other_instances_or_private_networks()
    {
        EmbeddedPlatform.SkipUnlessContainersCanRun();
        // The node's resolver: a server on the host's loopback that says outside.test is the outside server.
        var outside = _outside = await OutsideNetwork.StartAsync(Ct);
        var dns = _dns = new FakeDnsServer(outside.PublicAddress);
        var platform = _platform = EmbeddedPlatform.Start("egress", new Dictionary<string, string>
        {
            ["Platform:Node:EgressDns:0"] = dns.EndPoint.ToString(),
        });
        var bundle = await SampleBundles.BuildEchoAsync(1, platform.Temp.FullName, Ct);
        var key = await platform.CreateTenantAsync("net", trusted: true);
        await platform.DeployAsync("net", "out", key, bundle, new { egress = true });
        await platform.DeployAsync("net", "peer", key, bundle, new { egress = true });
        await platform.DeployAsync("net", "closed", key, bundle);

        var answer = "";
        await EmbeddedPlatform.EventuallyAsync(async () =>
        {
            answer = await ConnectAsync(platform, "out", outside.PublicAddress, 80);
            return answer.Contains("connect=allowed");
        }, "a function with egress never reached the outside server");
        Assert.Matches(@"reply=HTTP/1\.[01] 200 OK", answer);
        var address = EgressAddress(answer);
        var gateway = new IPAddress(address.GetAddressBytes()[..3].Append((byte)(address.GetAddressBytes()[3] - 1)).ToArray());

        // By name: the function's own resolver (no resolv.conf) asks its 127.0.0.1:53, which the node relays.
        var resolved = await SendCgiAsync(platform, "out", "resolve?outside.test");
        Assert.Contains($"Address: {outside.PublicAddress}", resolved);
        Assert.Contains("resolve-status=0", resolved);
        Assert.Contains("outside.test", dns.Asked);

        // The node: a server listening on every host address stays out of reach, whichever of them is asked.
        using var hostServer = new TcpListener(IPAddress.Any, 0);
        hostServer.Start();
        var hostPort = ((IPEndPoint)hostServer.LocalEndpoint).Port;
        Assert.Contains("connect=denied: ECONNREFUSED", await ConnectAsync(platform, "out", gateway, hostPort));
        Assert.Contains("connect=denied: ECONNREFUSED", await ConnectAsync(platform, "out", outside.HostPublicAddress, hostPort));

        // A private network (the default denied list), and another instance, though both answer.
        Assert.Contains("connect=denied: EHOSTUNREACH", await ConnectAsync(platform, "out", outside.PrivateAddress, 80));
        var peer = EgressAddress(await ConnectAsync(platform, "peer", outside.PublicAddress, 80));
        Assert.NotEqual(address, peer);
        Assert.Contains("connect=denied: EHOSTUNREACH", await ConnectAsync(platform, "out", peer, 8080));

        // Without egress: no address but loopback, no route out.
        var closed = await ConnectAsync(platform, "closed", outside.PublicAddress, 80);
        Assert.DoesNotContain("address=eth0", closed);
        Assert.Contains("connect=denied: ENETUNREACH", closed);
        // Nor any name resolution (a relay would be a way out).
        var asked = dns.Asked.Count;
        Assert.DoesNotContain("resolve-status=0", await SendCgiAsync(platform, "closed", "resolve?outside.test"));
        Assert.Equal(asked, dns.Asked.Count);

        // Deleted, the function leaves no link behind on the host.
        using (await platform.SendAsync(HttpMethod.Delete, "/v1/tenants/net/functions/out", key, null, HttpStatusCode.NoContent))
        {
        }

        await EmbeddedPlatform.EventuallyAsync(() => !HostHasAddress(gateway), $"the host still has the link of address {gateway} after the delete");
    }

    [Fact]
    public async Task Egress_is_refused_for_a_function_that_runs_in_a_microvm()
    {
        EmbeddedPlatform.SkipUnlessContainersCanRun();
        var platform = _platform = EmbeddedPlatform.Start("egress-vm");
        var untrusted = await platform.CreateTenantAsync("untrusted", trusted: false);
        var trusted = await platform.CreateTenantAsync("trusted", trusted: true);
        foreach (var (tenant, key, settings) in new[] { ("untrusted", untrusted, (object)new { egress = true }), ("trusted", trusted, new { egress = true, isolation = "microvm" }) })
        {
            using var response = await platform.SendAsync(HttpMethod.Put, $"/v1/tenants/{tenant}/functions/f", key,
                System.Net.Http.Json.JsonContent.Create(settings), HttpStatusCode.BadRequest);
            Assert.Contains("\"egress\"", await response.Content.ReadAsStringAsync(Ct));
        }
    }

    private static Task<string> ConnectAsync(EmbeddedPlatform platform, string function, IPAddress address, int port) =>
        SendCgiAsync(platform, function, $"connect?{address}:{port}");

    private static async Task<string> SendCgiAsync(EmbeddedPlatform platform, string function, string script)
    {
        using var response = await platform.SendAsync(HttpMethod.Get, $"/fn/net/{function}/cgi-bin/{script}", null, null, HttpStatusCode.OK);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    private static IPAddress EgressAddress(string answer) =>
        EthAddress().Match(answer) is { Success: true } match ? IPAddress.Parse(match.Groups[1].Value) : throw new Xunit.Sdk.XunitException($"no eth0 address in: {answer}");

    private static bool HostHasAddress(IPAddress address) =>
        System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Any(i => i.GetIPProperties().UnicastAddresses.Any(a => a.Address.Equals(address)));

    [GeneratedRegex(@"address=eth0 (\S+)")]
    private static partial Regex EthAddress();

    public async ValueTask DisposeAsync()
    {
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
        }

        if (_outside is not null)
        {
            await _outside.DisposeAsync();
        }

        _dns?.Dispose();
    }
}
