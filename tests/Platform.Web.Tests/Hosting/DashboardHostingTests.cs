using System.Net;

namespace Platform.Web.Tests.Hosting;

/// <summary>The dashboard as the api host serves it: its page and assets answer, and it shadows none of the API.</summary>
public sealed class DashboardHostingTests(PlatformHostFixture fixture) : IClassFixture<PlatformHostFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Page_and_its_assets_are_served_from_the_build_output()
    {
        using var http = fixture.Host.CreateClient(key: "none");

        using var page = await http.GetAsync("/", Cancel);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync(Cancel);

        // The document links fingerprinted asset URLs; each must resolve, or the page never becomes interactive.
        foreach (var asset in new[] { "_framework/blazor.web", "_content/Platform.Web/app" })
        {
            var start = html.IndexOf(asset, StringComparison.Ordinal);
            Assert.True(start >= 0, $"the page does not link {asset}");
            var url = "/" + html[start..html.IndexOf('"', start)];
            using var response = await http.GetAsync(url, Cancel);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url} answered {(int)response.StatusCode}");
        }
    }

    [Theory]
    [InlineData("/v1/tenants", HttpStatusCode.Unauthorized, "application/problem+json")]
    [InlineData("/healthz", HttpStatusCode.OK, "text/plain")]
    [InlineData("/openapi/v1.json", HttpStatusCode.OK, "application/json")]
    [InlineData("/metrics", HttpStatusCode.Unauthorized, "application/problem+json")]
    public async Task Api_routes_are_not_shadowed_by_the_dashboard(string path, HttpStatusCode status, string mediaType)
    {
        using var http = fixture.Host.CreateClient(key: "not-a-key");

        using var response = await http.GetAsync(path, Cancel);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_paths_are_not_answered_by_the_dashboard()
    {
        using var http = fixture.Host.CreateClient(key: "none");

        using var response = await http.GetAsync("/no-such-page", Cancel);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
