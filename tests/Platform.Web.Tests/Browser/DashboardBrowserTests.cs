using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Platform.Web.Tests.Hosting;

namespace Platform.Web.Tests.Browser;

/// <summary>The dashboard in a real browser against the real api host: what a user sees after deploying.</summary>
public sealed class DashboardBrowserTests
{
    private const float Patience = HeadlessChromium.Patience;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Tenant_key_signs_in_and_sees_its_function_with_the_active_version()
    {
        if (!HeadlessChromium.IsInstalled)
        {
            Assert.Skip($"{HeadlessChromium.ExecutablePath} is missing: scripts/setup installs chromium.");
        }

        await using var host = PlatformHost.Start();
        var tenantKey = await DeployAsync(host, tenant: "acme", function: "hello");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await HeadlessChromium.NewPageAsync(browser);
        await page.GotoAsync(host.Address.AbsoluteUri);

        await page.FillAsync("#key", "not-a-key");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator(".alert")).ToHaveTextAsync("This key was not accepted.", new() { Timeout = Patience });

        await page.FillAsync("#key", tenantKey);
        await page.ClickAsync("button[type=submit]");

        var card = page.Locator("article[data-function=hello]");
        await Assertions.Expect(card).ToBeVisibleAsync(new() { Timeout = Patience });
        await Assertions.Expect(card.Locator(".badge.active")).ToHaveTextAsync("active v1");
        await Assertions.Expect(card.Locator("table.versions tbody tr")).ToContainTextAsync("v1 (active)");
        await Assertions.Expect(page.Locator(".toolbar h1")).ToHaveTextAsync("acme");
        Assert.DoesNotContain(tenantKey, page.Url);
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Value.Contains(tenantKey) || !c.HttpOnly);

        // A reload keeps the sign-in for this browser session only.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("article[data-function=hello]")).ToBeVisibleAsync(new() { Timeout = Patience });
    }

    /// <summary>Through the REST API only: a tenant, a key for it, a function and its first version.</summary>
    private static async Task<string> DeployAsync(PlatformHost host, string tenant, string function)
    {
        using var admin = host.CreateClient(host.AdminKey);
        (await admin.PostAsJsonAsync("/v1/tenants", new { name = tenant }, Cancel)).EnsureSuccessStatusCode();
        using var created = await admin.PostAsJsonAsync($"/v1/tenants/{tenant}/keys", new { name = "browser" }, Cancel);
        created.EnsureSuccessStatusCode();
        var key = (await created.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("key").GetString()!;

        using var tenantClient = host.CreateClient(key);
        (await tenantClient.PutAsJsonAsync($"/v1/tenants/{tenant}/functions/{function}", new { }, Cancel)).EnsureSuccessStatusCode();
        using var bundle = new ByteArrayContent(TestBundle.Tar());
        bundle.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        using var uploaded = await tenantClient.PostAsync($"/v1/tenants/{tenant}/functions/{function}/versions", bundle, Cancel);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        return key;
    }
}
