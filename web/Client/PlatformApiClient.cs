using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Platform.Web.Client;

/// <summary>Typed HTTP client over the REST API (DESIGN §2) and the gateway, one bearer key per call.</summary>
internal sealed class PlatformApiClient(HttpClient http, IApiBaseAddress baseAddress) : IPlatformApiClient
{
    /// <summary>An invocation's body is shown, not stored: past this much the console shows the start only.</summary>
    internal const int MaxShownBodyChars = 64 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task<IReadOnlyList<TenantInfo>> ListTenantsAsync(string key, CancellationToken cancellationToken) =>
        GetListAsync<TenantInfo>(key, "v1/tenants", cancellationToken);

    public Task<TenantInfo> CreateTenantAsync(string key, string name, bool trusted, CancellationToken cancellationToken) =>
        SendAsync<TenantInfo>(key, HttpMethod.Post, "v1/tenants", JsonContent.Create(new { name, trusted }), cancellationToken);

    public Task<TenantInfo> SetTenantTrustedAsync(string key, string tenant, bool trusted, CancellationToken cancellationToken) =>
        SendAsync<TenantInfo>(key, HttpMethod.Patch, $"v1/tenants/{Segment(tenant)}", JsonContent.Create(new { trusted }), cancellationToken);

    public Task<TenantInfo> SetTenantQuotasAsync(string key, string tenant, TenantQuotasInfo quotas, CancellationToken cancellationToken) =>
        SendAsync<TenantInfo>(key, HttpMethod.Patch, $"v1/tenants/{Segment(tenant)}", JsonContent.Create(new { quotas }), cancellationToken);

    public Task DeleteTenantAsync(string key, string tenant, CancellationToken cancellationToken) =>
        SendAsync(key, HttpMethod.Delete, $"v1/tenants/{Segment(tenant)}", null, cancellationToken);

    public Task<IReadOnlyList<KeyInfo>> ListKeysAsync(string key, string tenant, CancellationToken cancellationToken) =>
        GetListAsync<KeyInfo>(key, $"v1/tenants/{Segment(tenant)}/keys", cancellationToken);

    public Task DeleteKeyAsync(string key, string tenant, Guid id, CancellationToken cancellationToken) =>
        SendAsync(key, HttpMethod.Delete, $"v1/tenants/{Segment(tenant)}/keys/{id}", null, cancellationToken);

    public Task<CreatedKey> CreateKeyAsync(string key, string tenant, string name, CancellationToken cancellationToken) =>
        SendAsync<CreatedKey>(key, HttpMethod.Post, $"v1/tenants/{Segment(tenant)}/keys", JsonContent.Create(new { name }), cancellationToken);

    public Task<IReadOnlyList<NodeInfo>> ListNodesAsync(string key, CancellationToken cancellationToken) =>
        GetListAsync<NodeInfo>(key, "v1/nodes", cancellationToken);

    public Task<NodeInfo> ChangeNodeAsync(string key, string node, NodeAction action, CancellationToken cancellationToken) =>
        SendAsync<NodeInfo>(key, HttpMethod.Post, $"v1/nodes/{Segment(node)}/{action.ToString().ToLowerInvariant()}", null, cancellationToken);

    public Task<IReadOnlyList<FunctionInfo>> ListFunctionsAsync(string key, string tenant, CancellationToken cancellationToken) =>
        GetListAsync<FunctionInfo>(key, $"v1/tenants/{Segment(tenant)}/functions", cancellationToken);

    public Task<FunctionInfo> GetFunctionAsync(string key, string tenant, string function, CancellationToken cancellationToken) =>
        SendAsync<FunctionInfo>(key, HttpMethod.Get, FunctionPath(tenant, function), null, cancellationToken);

    public Task<FunctionInfo> CreateFunctionAsync(string key, string tenant, string function, CancellationToken cancellationToken) =>
        SendAsync<FunctionInfo>(key, HttpMethod.Put, FunctionPath(tenant, function), JsonContent.Create(new { }), cancellationToken);

    public Task<FunctionInfo> UpdateFunctionAsync(string key, string tenant, string function, FunctionSettingsInfo settings, CancellationToken cancellationToken) =>
        SendAsync<FunctionInfo>(key, HttpMethod.Put, FunctionPath(tenant, function), JsonContent.Create(settings with { Secrets = null }, options: Json), cancellationToken);

    public Task<FunctionInfo> SetTrafficAsync(string key, string tenant, string function, IReadOnlyDictionary<int, int> traffic, CancellationToken cancellationToken) =>
        SendAsync<FunctionInfo>(key, HttpMethod.Put, FunctionPath(tenant, function), JsonContent.Create(new { traffic }), cancellationToken);

    public Task DeleteFunctionAsync(string key, string tenant, string function, CancellationToken cancellationToken) =>
        SendAsync(key, HttpMethod.Delete, FunctionPath(tenant, function), null, cancellationToken);

    public Task<IReadOnlyList<SecretInfo>> ListSecretsAsync(string key, string tenant, string function, CancellationToken cancellationToken) =>
        GetListAsync<SecretInfo>(key, $"{FunctionPath(tenant, function)}/secrets", cancellationToken);

    public Task SetSecretAsync(string key, string tenant, string function, string name, string value, CancellationToken cancellationToken) =>
        SendAsync(key, HttpMethod.Put, $"{FunctionPath(tenant, function)}/secrets/{Segment(name)}", JsonContent.Create(new { value }), cancellationToken);

    public Task DeleteSecretAsync(string key, string tenant, string function, string name, CancellationToken cancellationToken) =>
        SendAsync(key, HttpMethod.Delete, $"{FunctionPath(tenant, function)}/secrets/{Segment(name)}", null, cancellationToken);

    public Task<IReadOnlyList<InvocationSummaryInfo>> ListInvocationsAsync(string key, string tenant, string function, CancellationToken cancellationToken) =>
        GetListAsync<InvocationSummaryInfo>(key, $"{FunctionPath(tenant, function)}/invocations", cancellationToken);

    public Task<IReadOnlyList<VersionInfo>> ListVersionsAsync(string key, string tenant, string function, CancellationToken cancellationToken) =>
        GetListAsync<VersionInfo>(key, $"{FunctionPath(tenant, function)}/versions", cancellationToken);

    public Task<VersionInfo> UploadVersionAsync(
        string key, string tenant, string function, Stream bundle, string fileName, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        // A multipart form, as a browser would send it: the API finds out from the bytes whether it is gzip.
        var form = new MultipartFormDataContent();
        var file = new ProgressContent(bundle, progress);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "bundle", fileName);
        return SendAsync<VersionInfo>(key, HttpMethod.Post, $"{FunctionPath(tenant, function)}/versions", form, cancellationToken);
    }

    public Task<FunctionInfo> ActivateVersionAsync(string key, string tenant, string function, int version, CancellationToken cancellationToken) =>
        SendAsync<FunctionInfo>(key, HttpMethod.Post, $"{FunctionPath(tenant, function)}/versions/{version}/activate", null, cancellationToken);

    public Task<IReadOnlyList<InstanceInfo>> ListInstancesAsync(string key, string tenant, string function, CancellationToken cancellationToken) =>
        GetListAsync<InstanceInfo>(key, $"{FunctionPath(tenant, function)}/instances", cancellationToken);

    public Task<TenantMetrics> GetMetricsAsync(string key, string tenant, CancellationToken cancellationToken) =>
        SendAsync<TenantMetrics>(key, HttpMethod.Get, $"v1/tenants/{Segment(tenant)}/metrics", null, cancellationToken);

    public async IAsyncEnumerable<LogLineInfo> FollowLogsAsync(
        string key, string tenant, string function, int tail, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = Request(key, HttpMethod.Get, $"{FunctionPath(tenant, function)}/logs?tail={tail}&follow=true", null);
        // Read as it comes: HttpClient's timeout covers the headers only, so a quiet stream stays open.
        using var response = await SendAsync(request, cancellationToken);
        await ThrowIfErrorAsync(response, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(body, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length > 0)
            {
                yield return Parse<LogLineInfo>(line, "logs");
            }
        }
    }

    public async Task<InvocationResult> InvokeAsync(string key, string tenant, string function, InvocationRequest invocation, CancellationToken cancellationToken)
    {
        var path = $"fn/{Segment(tenant)}/{Segment(function)}/{invocation.Path.TrimStart('/')}";
        using var request = new HttpRequestMessage(new HttpMethod(invocation.Method), new Uri(baseAddress.Resolve(), path));
        if (invocation.Body.Length > 0)
        {
            request.Content = new StringContent(invocation.Body, Encoding.UTF8);
            request.Content.Headers.ContentType = null; // only what the console's headers say
        }
        foreach (var (name, value) in invocation.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content ??= new ByteArrayContent([]);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }
        if (request.Headers.Authorization is null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        var clock = Stopwatch.StartNew();
        using var response = await SendAsync(request, cancellationToken);
        var (body, truncated) = await ReadShownBodyAsync(response.Content, cancellationToken);
        clock.Stop();
        var headers = response.Headers.Concat(response.Content.Headers)
            .SelectMany(h => h.Value.Select(v => KeyValuePair.Create(h.Key, v)))
            .ToList();
        return new InvocationResult((int)response.StatusCode, response.ReasonPhrase ?? "", headers, body, truncated, clock.Elapsed);
    }

    private static async Task<(string Body, bool Truncated)> ReadShownBodyAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var buffer = new char[MaxShownBodyChars + 1];
        int read = 0;
        while (read < buffer.Length && await reader.ReadAsync(buffer.AsMemory(read), cancellationToken) is > 0 and var n)
        {
            read += n;
        }
        return read > MaxShownBodyChars ? (new string(buffer, 0, MaxShownBodyChars), true) : (new string(buffer, 0, read), false);
    }

    private static string Segment(string value) => Uri.EscapeDataString(value);

    private static string FunctionPath(string tenant, string function) => $"v1/tenants/{Segment(tenant)}/functions/{Segment(function)}";

    private async Task<IReadOnlyList<T>> GetListAsync<T>(string key, string path, CancellationToken cancellationToken) =>
        await SendAsync<List<T>>(key, HttpMethod.Get, path, null, cancellationToken);

    private async Task<T> SendAsync<T>(string key, HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = Request(key, method, path, content);
        using var response = await SendAsync(request, cancellationToken);
        await ThrowIfErrorAsync(response, cancellationToken);
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw Unexpected(response.StatusCode, path, e);
        }
    }

    /// <summary>A call whose answer carries nothing the dashboard needs (204, or a body it ignores).</summary>
    private async Task SendAsync(string key, HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = Request(key, method, path, content);
        using var response = await SendAsync(request, cancellationToken);
        await ThrowIfErrorAsync(response, cancellationToken);
    }

    private HttpRequestMessage Request(string key, HttpMethod method, string path, HttpContent? content)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        var request = new HttpRequestMessage(method, new Uri(baseAddress.Resolve(), path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    private static async Task ThrowIfErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemReader.ToExceptionAsync(response, cancellationToken);
        }
    }

    private static T Parse<T>(string json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Json) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw Unexpected(System.Net.HttpStatusCode.OK, what, e);
        }
    }

    private static PlatformApiException Unexpected(System.Net.HttpStatusCode status, string path, JsonException e) =>
        new(status, $"The API answered {path} with JSON the dashboard does not understand.", e);

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
