using System.Net;
using Microsoft.Playwright;
using Platform.EndToEnd.Tests;
using static Platform.Web.Tests.Browser.BrowserSteps;

namespace Platform.Web.Tests.Browser;

/// <summary>
/// The flows in Debian's chromium against the whole platform in one process (api, scheduler, a node
/// agent running real containers: <see cref="EmbeddedPlatform"/>), with the echo sample built by its own script
/// and uploaded from the Deploy form. Screenshots of each page go to TestResults/screenshots/platform.
/// </summary>
public sealed class RealPlatformBrowserTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Deploy_invoke_logs_rollback_overview_cordon_and_isolation_from_the_browser_with_real_containers()
    {
        if (!HeadlessChromium.IsInstalled)
        {
            Assert.Skip($"{HeadlessChromium.ExecutablePath} is missing: scripts/setup installs chromium.");
        }
        EmbeddedPlatform.SkipUnlessContainersCanRun();

        var bundles = Directory.CreateTempSubdirectory("platform-web-echo-");
        try
        {
            var v1 = await SampleBundles.BuildEchoAsync(1, bundles.FullName, Cancel);
            var v2 = await SampleBundles.BuildEchoAsync(2, bundles.FullName, Cancel);
            await using var platform = EmbeddedPlatform.Start("web");
            await RunAsync(platform, v1, v2);
        }
        finally
        {
            bundles.Delete(recursive: true);
        }
    }

    private static async Task RunAsync(EmbeddedPlatform platform, string v1, string v2)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await HeadlessChromium.NewPageAsync(browser);
        await page.SetViewportSizeAsync(1280, 900);
        await page.GotoAsync(platform.Http.BaseAddress!.AbsoluteUri);

        // The admin makes a trusted tenant (containers: no KVM here) and its key, shown once.
        await SignInAsync(page, platform.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Tenants", Exact = true }).ClickAsync();
        await page.GetByLabel("Tenant name").FillAsync("acme");
        await page.Locator("#tenant-trusted").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create tenant" }).ClickAsync();
        await Expect(page.Locator("tr[data-tenant=acme]")).ToContainTextAsync("trusted: containers allowed");
        var acmeKey = await CreateKeyAsync(page, "acme", "browser");
        await page.GetByRole(AriaRole.Button, new() { Name = "Manage acme" }).ClickAsync();
        await Expect(page.Locator(".keys-table tbody tr")).ToContainTextAsync("browser");
        await ScreenshotAsync(page, "tenants");

        // The tenant signs in, creates a function and deploys the echo sample by upload.
        await page.Locator("#sign-out").ClickAsync();
        await SignInAsync(page, acmeKey);
        await Expect(page.Locator(".toolbar .who")).ToHaveTextAsync("tenant key");
        await page.GetByLabel("Function name").FillAsync("echo");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create function" }).ClickAsync();
        await Expect(page.Locator("#active-version")).ToHaveTextAsync("no active version");
        await DeployAsync(page, v1);
        await Expect(page.Locator("#active-version")).ToHaveTextAsync("active v1");

        // The console's answer comes from the container; its CGI's stderr line reaches the Logs region.
        await page.GetByLabel("Method").SelectOptionAsync("POST");
        await page.GetByLabel("Path").FillAsync("/cgi-bin/echo/hello?a=1");
        await page.GetByLabel("Body", new() { Exact = true }).FillAsync("ping from the console");
        var answer = await InvokeUntilVersionAsync(page, 1);
        Assert.Contains("method=POST", answer);
        Assert.Contains("body=ping from the console", answer);
        await Expect(page.Locator("#invoke-status")).ToHaveTextAsync("200 OK");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Logs" })).ToContainTextAsync("echo: POST /hello a=1", new() { Timeout = 120_000 });
        await page.Locator("#function-refresh").ClickAsync();
        await Expect(page.Locator("table.instances tbody")).ToContainTextAsync("container");
        await Expect(page.Locator("table.instances tbody")).ToContainTextAsync(platform.NodeId);

        // v2, then back to v1 with Activate: each answers from its own bundle.
        await DeployAsync(page, v2);
        await Expect(page.Locator("#active-version")).ToHaveTextAsync("active v2");
        await InvokeUntilVersionAsync(page, 2);
        await page.GetByRole(AriaRole.Button, new() { Name = "Activate v1" }).ClickAsync();
        await Expect(page.Locator("#active-version")).ToHaveTextAsync("active v1");
        await InvokeUntilVersionAsync(page, 1);
        await ScreenshotAsync(page, "function");
        await page.SetViewportSizeAsync(390, 844);
        await ScreenshotAsync(page, "function-narrow");
        Assert.True(await FitsWidthAsync(page), "the function page scrolls sideways at 390 px");

        // The overview charts what the gateway just counted.
        await page.SetViewportSizeAsync(1280, 900);
        await page.GetByRole(AriaRole.Button, new() { Name = "Overview", Exact = true }).ClickAsync();
        await Expect(page.Locator("figure.chart svg[role=img]")).ToHaveCountAsync(4);
        var invocations = int.Parse((await page.Locator("tr[data-function=echo] td[data-label=Invocations]").TextContentAsync())!);
        Assert.InRange(invocations, 3, 1000);
        await Expect(page.Locator("#chart-rate-desc")).ToContainTextAsync("Invocations: latest");
        await ScreenshotAsync(page, "overview");
        await page.SetViewportSizeAsync(390, 844);
        await ScreenshotAsync(page, "overview-narrow");
        Assert.True(await FitsWidthAsync(page), "the overview scrolls sideways at 390 px");
        await page.SetViewportSizeAsync(1280, 900);

        // Another tenant's function: not listed for acme's key, and its URL shows the API's 404 in place.
        var globexKey = await platform.CreateTenantAsync("globex", trusted: true);
        (await platform.SendAsync(HttpMethod.Put, "/v1/tenants/globex/functions/billing", globexKey, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), HttpStatusCode.Created)).Dispose();
        await page.GetByRole(AriaRole.Button, new() { Name = "Functions", Exact = true }).ClickAsync();
        await Expect(page.Locator("article[data-function=echo]")).ToBeVisibleAsync();
        await Expect(page.Locator("article[data-function=billing]")).ToHaveCountAsync(0);
        await page.GotoAsync(platform.Http.BaseAddress!.AbsoluteUri + "?tenant=globex&function=billing");
        await Expect(page.Locator(".function-page [role=alert]").First).ToContainTextAsync("404");
        await Expect(page.Locator(".toolbar h1")).ToHaveTextAsync("acme");

        // The admin sees the node with its instance and cordons it.
        await page.Locator("#sign-out").ClickAsync();
        await SignInAsync(page, platform.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Nodes", Exact = true }).ClickAsync();
        var node = page.Locator($"tr[data-node='{platform.NodeId}']");
        await Expect(node).ToContainTextAsync("container");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Cordon {platform.NodeId}" }).ClickAsync();
        await Expect(node).ToContainTextAsync("cordoned");
        await ScreenshotAsync(page, "nodes");
        await page.SetViewportSizeAsync(390, 844);
        await ScreenshotAsync(page, "nodes-narrow");
        Assert.True(await FitsWidthAsync(page), "the nodes view scrolls sideways at 390 px");
        var nodes = await platform.GetJsonAsync("/v1/nodes", platform.AdminKey);
        Assert.True(nodes.EnumerateArray().Single(n => n.GetProperty("id").GetString() == platform.NodeId).GetProperty("cordoned").GetBoolean());
    }

    /// <summary>
    /// Invokes from the console until version <paramref name="version"/> answers (a new version's first request may
    /// meet the old one's instance stopping). Each attempt carries its own correlation id, which the gateway
    /// answers on every response, so the result shown is known to be this attempt's.
    /// </summary>
    private static async Task<string> InvokeUntilVersionAsync(IPage page, int version)
    {
        var body = "";
        var until = DateTime.UtcNow + EmbeddedPlatform.Deadline;
        for (var attempt = 1; DateTime.UtcNow < until; attempt++)
        {
            var id = $"browser-v{version}-{attempt}-{Guid.NewGuid():N}";
            await page.GetByLabel("Headers", new() { Exact = true }).FillAsync($"X-Correlation-Id: {id}");
            await page.GetByRole(AriaRole.Button, new() { Name = "Invoke", Exact = true }).ClickAsync();
            await Expect(page.Locator("pre.invoke-headers")).ToContainTextAsync(id, new() { Timeout = 120_000 });
            body = (await page.Locator("#invoke-response-body").TextContentAsync()) ?? "";
            if (body.Contains($"version={version}\n", StringComparison.Ordinal))
            {
                return body;
            }
        }
        Assert.Fail($"version {version} never answered in the console; last body: {body}");
        return body;
    }

    private static Task<bool> FitsWidthAsync(IPage page) =>
        page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth");

    private static async Task SignInAsync(IPage page, string key)
    {
        await BrowserSteps.SignInAsync(page, key);
        await Expect(page.Locator("#sign-out")).ToBeVisibleAsync();
    }

    private static async Task DeployAsync(IPage page, string bundle)
    {
        await page.GetByLabel("Bundle").SetInputFilesAsync(bundle);
        await page.GetByRole(AriaRole.Button, new() { Name = "Deploy", Exact = true }).ClickAsync();
    }

    private static Task ScreenshotAsync(IPage page, string name) => BrowserSteps.ScreenshotAsync(page, "platform", name);
}
