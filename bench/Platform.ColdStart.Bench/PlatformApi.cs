using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.ColdStart.Bench;

/// <summary>The REST calls every mode makes: tenants, keys, functions and their versions, over the admin or a tenant key.</summary>
internal static class PlatformApi
{
    public static async Task<IReadOnlyList<string>> WaitForNodeAsync(HttpClient http, PlatformProcess platform)
    {
        for (var i = 0; i < 600 && !platform.HasExited; i++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "v1/nodes");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", platform.AdminKey);
                using var response = await http.SendAsync(request);
                if (response.IsSuccessStatusCode && (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } node)
                {
                    return node.GetProperty("backends").EnumerateArray().Select(b => b.GetString()!).ToList();
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"the platform's node never registered; its last output:\n{platform.Tail}");
    }

    public static async Task<string> CreateTenantAsync(HttpClient http, string adminKey, string tenant, bool trusted)
    {
        await SendAsync(http, HttpMethod.Post, "v1/tenants", adminKey, JsonContent.Create(new { name = tenant, trusted }));
        using var created = await SendAsync(http, HttpMethod.Post, $"v1/tenants/{tenant}/keys", adminKey, JsonContent.Create(new { name = "bench" }));
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    /// <summary>Creates the function with these settings and deploys the bundle as its first (active) version.</summary>
    public static async Task DeployAsync(HttpClient http, string key, string tenant, string function, object settings, byte[] bundle)
    {
        (await SendAsync(http, HttpMethod.Put, $"v1/tenants/{tenant}/functions/{function}", key, JsonContent.Create(settings))).Dispose();
        var upload = new ByteArrayContent(bundle);
        upload.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        (await SendAsync(http, HttpMethod.Post, $"v1/tenants/{tenant}/functions/{function}/versions", key, upload)).Dispose();
    }

    public static async Task DeleteAsync(HttpClient http, string key, string tenant, string function) =>
        (await SendAsync(http, HttpMethod.Delete, $"v1/tenants/{tenant}/functions/{function}", key, null)).Dispose();

    /// <summary>The function's instances in the given state ("running", ...).</summary>
    public static async Task<int> InstancesAsync(HttpClient http, string key, string tenant, string function, string state)
    {
        using var response = await SendAsync(http, HttpMethod.Get, $"v1/tenants/{tenant}/functions/{function}/instances", key, null);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()
            .Count(i => string.Equals(i.GetProperty("state").GetString(), state, StringComparison.OrdinalIgnoreCase));
    }

    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string key, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        return response;
    }
}
