using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Platform.NodeAgent.Bundles;

/// <summary>
/// Where the api is and how to authenticate to it. In the embedded process the api is this process: its own
/// listening address (wildcards mapped to loopback) and the node token the api wrote into the data directory.
/// </summary>
internal sealed class ApiEndpoint(IOptions<NodeAgentOptions> options, IConfiguration configuration, IServiceProvider services)
{
    public Uri GetBaseUrl()
    {
        if (options.Value.ApiUrl is { } configured)
        {
            return configured;
        }

        var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var chosen = addresses
            .Select(ToLoopback)
            .Where(u => u is not null)
            .OrderBy(u => u!.Scheme == Uri.UriSchemeHttp ? 0 : 1)
            .FirstOrDefault()
            ?? throw new InvalidOperationException("the api's address is unknown: set Platform:Node:ApiUrl");
        return chosen;
    }

    public string GetNodeToken()
    {
        if (configuration["Platform:NodeToken"] is { Length: > 0 } token)
        {
            return token;
        }

        var dataDir = configuration["Platform:DataDir"] ?? ".data";
        var path = Path.Combine(Path.GetFullPath(dataDir), "node.token");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"no node token: set Platform:NodeToken or let the api write {path}");
        }

        return File.ReadAllText(path).Trim();
    }

    private static Uri? ToLoopback(string address)
    {
        // Kestrel reports what it was asked to bind: "http://+:80", "http://*:80", "http://[::]:80", "http://0.0.0.0:80".
        var normalized = address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri))
        {
            return null;
        }

        var host = uri.Host switch
        {
            "0.0.0.0" or "localhost" => "127.0.0.1",
            "[::]" or "::" => "[::1]",
            _ => uri.Host,
        };
        return new UriBuilder(uri) { Host = host, Path = "/" }.Uri;
    }
}
