using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.Web.Client;

/// <summary>Typed HTTP client over the REST API (DESIGN §2), one bearer key per call.</summary>
internal sealed class PlatformApiClient(HttpClient http, IApiBaseAddress baseAddress) : IPlatformApiClient
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task<IReadOnlyList<TenantInfo>> ListTenantsAsync(string key, CancellationToken cancellationToken) =>
        GetListAsync<TenantInfo>(key, "v1/tenants", cancellationToken);

    public Task<IReadOnlyList<NodeInfo>> ListNodesAsync(string key, CancellationToken cancellationToken) =>
        GetListAsync<NodeInfo>(key, "v1/nodes", cancellationToken);

    public Task<IReadOnlyList<FunctionInfo>> ListFunctionsAsync(string key, string tenant, CancellationToken cancellationToken) =>
        GetListAsync<FunctionInfo>(key, $"v1/tenants/{Segment(tenant)}/functions", cancellationToken);

    public Task<IReadOnlyList<VersionInfo>> ListVersionsAsync(string key, string tenant, string function, CancellationToken cancellationToken) =>
        GetListAsync<VersionInfo>(key, $"v1/tenants/{Segment(tenant)}/functions/{Segment(function)}/versions", cancellationToken);

    public Task<IReadOnlyList<InstanceInfo>> ListInstancesAsync(string key, string tenant, string function, CancellationToken cancellationToken) =>
        GetListAsync<InstanceInfo>(key, $"v1/tenants/{Segment(tenant)}/functions/{Segment(function)}/instances", cancellationToken);

    private static string Segment(string value) => Uri.EscapeDataString(value);

    private async Task<IReadOnlyList<T>> GetListAsync<T>(string key, string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress.Resolve(), path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var response = await SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemReader.ToExceptionAsync(response, cancellationToken);
        }

        try
        {
            return await response.Content.ReadFromJsonAsync<List<T>>(Json, cancellationToken) ?? [];
        }
        catch (JsonException e)
        {
            throw new PlatformApiException(response.StatusCode, $"The API answered {path} with JSON the dashboard does not understand.", e);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new PlatformApiException(null, $"Could not connect to {request.RequestUri?.GetLeftPart(UriPartial.Authority)}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient reports its own timeout as a cancellation the caller did not ask for.
            throw new PlatformApiException(null, $"The request to {request.RequestUri?.GetLeftPart(UriPartial.Authority)} timed out.", e);
        }
    }
}
