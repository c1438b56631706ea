using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Platform.Web.Options;

namespace Platform.Web.Client;

/// <summary>
/// Finds the API of this process: the configured address, else one the server listens on, else the address the
/// browser used. The listen address comes before the browser's because a dashboard behind a proxy or a port
/// forward would otherwise call an address only the browser can reach.
/// </summary>
internal sealed class ServerApiBaseAddress(IServer server, IOptions<WebOptions> options, NavigationManager navigation) : IApiBaseAddress
{
    public Uri Resolve()
    {
        if (options.Value.ApiBaseAddress is { } configured)
        {
            return WithTrailingSlash(configured);
        }

        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is { Count: > 0 } && FromListenAddresses(addresses) is { } listening)
        {
            return listening;
        }

        return new Uri(navigation.BaseUri);
    }

    /// <summary>Prefers plain http on loopback: the call never leaves the machine and needs no certificate.</summary>
    internal static Uri? FromListenAddresses(IEnumerable<string> addresses)
    {
        Uri? best = null;
        foreach (var address in addresses)
        {
            BindingAddress binding;
            try
            {
                binding = BindingAddress.Parse(address);
            }
            catch (FormatException)
            {
                continue;
            }

            if (binding.IsNamedPipe || binding.IsUnixPipe || binding.Port <= 0)
            {
                continue;
            }

            var uri = new UriBuilder(binding.Scheme, Reachable(binding.Host), binding.Port).Uri;
            if (best is null || (uri.Scheme == Uri.UriSchemeHttp && best.Scheme != Uri.UriSchemeHttp))
            {
                best = uri;
            }
        }

        return best;
    }

    /// <summary>A wildcard listen host is not an address to connect to; loopback of the same family is.</summary>
    private static string Reachable(string host) => host switch
    {
        "*" or "+" or "0.0.0.0" or "localhost" => "127.0.0.1",
        "[::]" or "::" => "[::1]",
        _ => host,
    };

    private static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}
