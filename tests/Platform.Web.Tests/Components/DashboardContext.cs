using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Platform.Web.Client;
using Platform.Web.Components.Pages;
using Platform.Web.Overview;
using Platform.Web.Session;
using Platform.Web.Tests.Fakes;

namespace Platform.Web.Tests.Components;

/// <summary>The dashboard page wired as in the host, with the API and the browser's session storage faked.</summary>
internal sealed class DashboardContext : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public DashboardContext()
    {
        Context.Services.AddSingleton<IPlatformApiClient>(Api);
        Context.Services.AddSingleton<ISignInStore>(Store);
        Context.Services.AddScoped<SignInService>();
        Context.Services.AddScoped<TenantOverviewLoader>();
    }

    public BunitContext Context { get; } = new();

    public FakePlatformApi Api { get; } = new();

    public MemorySignInStore Store { get; } = new();

    public IRenderedComponent<Home> Render() => Context.Render<Home>();

    public static void SignIn(IRenderedComponent<Home> page, string key)
    {
        page.WaitForElement("#key", Patience).Change(key);
        page.Find("form").Submit();
    }

    public static void WaitFor(IRenderedComponent<Home> page, Action assertion) => page.WaitForAssertion(assertion, Patience);

    public ValueTask DisposeAsync() => Context.DisposeAsync();
}
