using Microsoft.Playwright;

namespace Platform.Web.Tests.Browser;

/// <summary>Debian's chromium driven by Playwright: never a browser download.</summary>
internal static class HeadlessChromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private static readonly string[] Args =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    public static bool IsInstalled => File.Exists(ExecutablePath);

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ExecutablePath, Args = Args });
}
