using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.NodeAgent.Endpoint;

/// <summary>
/// This process's own HTTP address as a loopback URL: what the embedded mode uses for the api (bundles) and for
/// this node agent's endpoint when neither Platform:Node:ApiUrl nor Platform:Node:Url says otherwise.
/// </summary>
internal static class ListenAddress
{
    /// <summary>"http://127.0.0.1:PORT/" of the first address Kestrel listens on (http before https), or null before it listens.</summary>
    public static Uri? FindLoopback(IServiceProvider services)
    {
        var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        return addresses
            .Select(ToLoopback)
            .Where(u => u is not null)
            .OrderBy(u => u!.Scheme == Uri.UriSchemeHttp ? 0 : 1)
            .FirstOrDefault();
    }

    internal static Uri? ToLoopback(string address)
    {
        // Kestrel reports what it was asked to bind: "http://+:80", "http://*:80", "http://[::]:80", "http://0.0.0.0:80".
        var normalized = address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
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
