using System.Net.Http.Headers;
using System.Net.Http.Json;
using Platform.NodeAgent.Bundles;
using Platform.NodeAgent.Instances;

namespace Platform.NodeAgent.Secrets;

/// <summary>
/// Fetches a function's secrets from the api (node token) for an instance that is starting. Nothing is cached or
/// written to disk here: the values live only in the instance's environment.
/// </summary>
internal sealed class FunctionSecretsClient(ApiEndpoint api, IHttpClientFactory httpClients)
{
    /// <summary>The values of <paramref name="names"/>; a name the api no longer has fails the start (the version expects it).</summary>
    public async Task<IReadOnlyDictionary<string, string>> GetAsync(Guid functionId, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var url = new Uri(api.GetBaseUrl(), $"v1/internal/functions/{functionId:D}/secrets");
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.GetNodeToken());
        using var response = await httpClients.CreateClient(ApiEndpoint.HttpClientName).SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"fetching the function's secrets from {url} answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }

        var all = await response.Content.ReadFromJsonAsync<Dictionary<string, string>>(cancellationToken) ?? [];
        var missing = names.Where(n => !all.ContainsKey(n)).ToList();
        if (missing.Count > 0)
        {
            // Deleted since this version was made: a newer version without it is on its way.
            throw new InstanceStartException($"secret(s) {string.Join(", ", missing)} no longer exist");
        }

        return names.ToDictionary(n => n, n => all[n], StringComparer.Ordinal);
    }
}
