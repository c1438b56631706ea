using Microsoft.Playwright;

namespace Platform.Web.Tests.Browser;

/// <summary>Debian's chromium driven by Playwright: never a browser download.</summary>
internal static class HeadlessChromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>How long a step may take: the first render of a circuit on a busy 2-core machine is slow.</summary>
    public const float Patience = 60_000;

    private static readonly string[] Args =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    public static bool IsInstalled => File.Exists(ExecutablePath);

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ExecutablePath, Args = Args });

    /// <summary>A page whose console and failed responses go to the test output: a page that never turns interactive says why there.</summary>
    public static async Task<IPage> NewPageAsync(IBrowser browser)
    {
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(Patience);
        var output = TestContext.Current.TestOutputHelper;
        page.Console += (_, message) => output?.WriteLine($"console {message.Type}: {message.Text}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                output?.WriteLine($"{response.Status} {response.Url}");
            }
        };
        return page;
    }
}
