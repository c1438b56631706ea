using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Platform.NodeAgent.Endpoint;

namespace Platform.NodeAgent.Bundles;

/// <summary>
/// Where the api is and how to authenticate to it. In the embedded process the api is this process: its own
/// listening address (wildcards mapped to loopback) and the node token the api wrote into the data directory.
/// </summary>
internal sealed class ApiEndpoint(IOptions<NodeAgentOptions> options, IConfiguration configuration, IServiceProvider services)
{
    /// <summary>The HttpClient (pooled connections) for the node's calls to the api: bundles and secrets.</summary>
    public const string HttpClientName = "platform-node-api";

    public Uri GetBaseUrl() =>
        options.Value.ApiUrl
        ?? ListenAddress.FindLoopback(services)
        ?? throw new InvalidOperationException("the api's address is unknown: set Platform:Node:ApiUrl");

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
}
