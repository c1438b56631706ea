using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Platform.Web.Tests.Hosting;
using static Platform.Web.Tests.Browser.BrowserSteps;

namespace Platform.Web.Tests.Browser;

/// <summary>
/// Everything done from the dashboard in a real browser against the real api host (roles api,scheduler: no node
/// agent, so no instance ever runs and the gateway answers a cold start with 503 once its wait is over). Each
/// page is saved as a screenshot under TestResults/screenshots/no-node of the test's base directory.
/// </summary>
public sealed partial class DashboardActionsBrowserTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Admin_creates_tenant_and_key_deploys_rolls_back_invokes_and_sees_nodes_and_a_tenant_key_sees_only_its_own()
    {
        if (!HeadlessChromium.IsInstalled)
        {
            Assert.Skip($"{HeadlessChromium.ExecutablePath} is missing: scripts/setup installs chromium.");
        }

        // A short cold-start wait: with no node the gateway's 503 comes after it.
        await using var host = PlatformHost.Start(new Dictionary<string, string> { ["Platform:Gateway:ColdStartTimeout"] = "00:00:02" });
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await HeadlessChromium.NewPageAsync(browser);
        await page.SetViewportSizeAsync(1280, 900);
        await page.GotoAsync(host.Address.AbsoluteUri);
        await Expect(page.GetByLabel("API key")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "sign-in");

        await SignInAsync(page, host.AdminKey);
        await Expect(page.Locator(".toolbar .who")).ToHaveTextAsync("admin key");

        // Tenants: two, and a key for one of them, shown once.
        await page.GetByRole(AriaRole.Button, new() { Name = "Tenants", Exact = true }).ClickAsync();
        await CreateTenantAsync(page, "acme");
        await CreateTenantAsync(page, "globex");
        await page.GetByRole(AriaRole.Button, new() { Name = "Trust globex" }).ClickAsync();
        await Expect(page.Locator("tr[data-tenant=globex]")).ToContainTextAsync("trusted: containers allowed");
        var acmeKey = await CreateKeyAsync(page, "acme", "browser");
        Assert.NotEmpty(acmeKey);
        await ScreenshotAsync(page, "tenants");

        // Nodes: this host has no node agent, so the list is empty.
        await page.GetByRole(AriaRole.Button, new() { Name = "Nodes", Exact = true }).ClickAsync();
        await Expect(page.Locator(".nodes .empty")).ToContainTextAsync("No nodes have reported yet.");
        await ScreenshotAsync(page, "nodes");

        // A function in acme, deployed twice by upload, then rolled back.
        await page.GetByRole(AriaRole.Button, new() { Name = "Functions", Exact = true }).ClickAsync();
        await page.Locator("#tenant-picker").SelectOptionAsync("acme");
        await Expect(page.Locator(".toolbar h1")).ToHaveTextAsync("acme");
        await page.GetByLabel("Function name").FillAsync("hello");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create function" }).ClickAsync();
        await Expect(page.Locator("#active-version")).ToHaveTextAsync("no active version");

        await DeployAsync(page, TestBundle.Tar("/bin/httpd"), "v1.tar");
        await Expect(page.Locator("#active-version")).ToHaveTextAsync("active v1");
        await DeployAsync(page, TestBundle.Tar("/bin/other"), "v2.tar");
        await Expect(page.Locator("#active-version")).ToHaveTextAsync("active v2");
        var digests = await page.Locator("table.versions code").EvaluateAllAsync<string[]>("codes => codes.map(c => c.title)");
        Assert.Equal(2, digests.Distinct().Count());
        Assert.All(digests, d => Assert.Matches("^sha256:[0-9a-f]{64}$", d));
        await page.GetByRole(AriaRole.Button, new() { Name = "Activate v1" }).ClickAsync();
        await Expect(page.Locator("#active-version")).ToHaveTextAsync("active v1");
        await Expect(page.Locator("tr[data-version='1']")).ToContainTextAsync("v1 (active)");

        // The invoke console: no node, so the gateway's cold start gives up with 503 after its 2 s.
        await page.GetByLabel("Path").FillAsync("/hello?from=console");
        await page.GetByRole(AriaRole.Button, new() { Name = "Invoke" }).ClickAsync();
        await Expect(page.Locator("#invoke-status")).ToHaveTextAsync("503 Service Unavailable");
        await Expect(page.Locator("#invoke-elapsed")).ToHaveTextAsync(MillisecondsPattern());
        await Expect(page.Locator("pre.invoke-headers")).ToContainTextAsync("Retry-After: 5");
        await Expect(page.Locator("#invoke-response-body")).ToContainTextAsync("no instance of 'acme/hello' could take the request");
        var elapsed = int.Parse(MillisecondsPattern().Match((await page.Locator("#invoke-elapsed").TextContentAsync())!).Groups[1].Value);
        Assert.InRange(elapsed, 1_500, 60_000);
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Logs" })).ToBeVisibleAsync();

        // The cold start asked the scheduler for an instance: acme is untrusted, so a microVM, and nowhere to place it.
        await page.Locator("#function-refresh").ClickAsync();
        await Expect(page.Locator("table.instances tbody tr").First).ToContainTextAsync("microvm");
        await ScreenshotAsync(page, "function");
        await page.SetViewportSizeAsync(390, 844);
        await ScreenshotAsync(page, "function-narrow");
        await page.SetViewportSizeAsync(1280, 900);

        // globex gets a function of its own through the dashboard, which acme's key must not see.
        await page.GetByRole(AriaRole.Button, new() { Name = "← Functions" }).ClickAsync();
        await page.Locator("#tenant-picker").SelectOptionAsync("globex");
        await Expect(page.Locator(".toolbar h1")).ToHaveTextAsync("globex");
        await page.GetByLabel("Function name").FillAsync("report");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create function" }).ClickAsync();
        await Expect(page.Locator("#function-heading")).ToHaveTextAsync("report");

        await page.GetByRole(AriaRole.Button, new() { Name = "← Functions" }).ClickAsync();
        await page.Locator("#sign-out").ClickAsync();
        await SignInAsync(page, acmeKey);
        await Expect(page.Locator(".toolbar .who")).ToHaveTextAsync("tenant key");
        await Expect(page.Locator("article[data-function=hello] .badge.active")).ToHaveTextAsync("active v1");
        await Expect(page.Locator("article[data-function=report]")).ToHaveCountAsync(0);
        await Expect(page.Locator("#tenant-picker")).ToHaveCountAsync(0);
        await Expect(page.Locator("#view-tenants, #view-nodes")).ToHaveCountAsync(0);
        await ScreenshotAsync(page, "functions-tenant-key");
        using var acme = host.CreateClient(acmeKey);
        using var other = await acme.GetAsync("/v1/tenants/globex/functions/report", Cancel);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    private static async Task CreateTenantAsync(IPage page, string name)
    {
        await page.GetByLabel("Tenant name").FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create tenant" }).ClickAsync();
        await Expect(page.Locator($"tr[data-tenant={name}]")).ToContainTextAsync("untrusted: microVMs only");
    }

    private static async Task DeployAsync(IPage page, byte[] bundle, string name)
    {
        await page.GetByLabel("Bundle").SetInputFilesAsync(new FilePayload { Name = name, MimeType = "application/x-tar", Buffer = bundle });
        await page.GetByRole(AriaRole.Button, new() { Name = "Deploy" }).ClickAsync();
    }

    private static Task ScreenshotAsync(IPage page, string name) => BrowserSteps.ScreenshotAsync(page, "no-node", name);

    [GeneratedRegex(@"^(\d+) ms$")]
    private static partial Regex MillisecondsPattern();
}
