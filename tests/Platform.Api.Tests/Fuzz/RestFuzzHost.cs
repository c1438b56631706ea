using Platform.Api.Tests.Infrastructure;

namespace Platform.Api.Tests.Fuzz;

/// <summary>One real api host for all generated requests (starting one per case would dominate the run), with a tenant and a function to aim at.</summary>
public sealed class RestFuzzHost : IAsyncLifetime
{
    public PlatformFactory Platform { get; } = new();

    public HttpClient Admin { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Admin = Platform.Admin();
        await Platform.CreateTenantAsync(RestInputs.Tenant);
        await Platform.PutFunctionAsync(RestInputs.Tenant, "fn");
    }

    /// <summary>The answer must be 2xx, or 4xx as an RFC 9457 problem; never a 5xx.</summary>
    public async Task<bool> AnswersWithoutServerErrorAsync(RestRequest request)
    {
        using HttpRequestMessage message = request.ToMessage();
        using HttpResponseMessage response = await Admin.SendAsync(message);
        int status = (int)response.StatusCode;
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(status is >= 200 and < 300 or >= 400 and < 500, $"{request} answered {status}: {body}");
        if (status >= 400)
        {
            Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
                $"{request} answered {status} as {response.Content.Headers.ContentType?.MediaType}: {body}");
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Platform.DisposeAsync();
    }
}
