using Microsoft.Playwright;

namespace Platform.Web.Tests.Browser;

/// <summary>Steps the browser tests share: signing in, a key made on the Tenants view, asserting on a locator, saving a screenshot.</summary>
internal static class BrowserSteps
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    public static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    public static async Task SignInAsync(IPage page, string key)
    {
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>On the Tenants view: a key for <paramref name="tenant"/>, read from where it is shown once.</summary>
    public static async Task<string> CreateKeyAsync(IPage page, string tenant, string name)
    {
        await page.GetByLabel("Key for tenant").SelectOptionAsync(tenant);
        await page.GetByLabel("Key name").FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        return (await page.Locator("#new-key").TextContentAsync())!.Trim();
    }

    /// <summary>Saves the whole page as TestResults/screenshots/<paramref name="test"/>/<paramref name="name"/>.png (tests run side by side: one folder each).</summary>
    public static async Task ScreenshotAsync(IPage page, string test, string name)
    {
        var folder = Path.Combine(Screenshots, test);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        TestContext.Current.TestOutputHelper?.WriteLine($"screenshot: {path}");
    }
}
