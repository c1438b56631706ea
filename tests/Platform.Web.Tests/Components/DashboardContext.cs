using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Platform.Web.Client;
using Platform.Web.Components.Dashboard;
using Platform.Web.Components.Pages;
using Platform.Web.Options;
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
        Context.Services.AddOptions<WebOptions>();
    }

    public BunitContext Context { get; } = new();

    public FakePlatformApi Api { get; } = new();

    public MemorySignInStore Store { get; } = new();

    public IRenderedComponent<Home> Render() => Context.Render<Home>();

    /// <summary>The page, signed in with <paramref name="key"/> and past loading.</summary>
    public IRenderedComponent<Home> RenderSignedIn(string key)
    {
        var page = Render();
        SignIn(page, key);
        WaitFor(page, () => Assert.NotNull(page.Find("#sign-out")));
        return page;
    }

    /// <summary>One part of the dashboard on its own, signed in with <paramref name="key"/>.</summary>
    public IRenderedComponent<T> Render<T>(string key, Action<ComponentParameterCollectionBuilder<T>>? parameters = null)
        where T : ApiComponent =>
        Context.Render<T>(p =>
        {
            p.Add(c => c.Key, key);
            parameters?.Invoke(p);
        });

    public static void SignIn(IRenderedComponent<Home> page, string key)
    {
        page.WaitForElement("#key", Patience).Change(key);
        page.Find("form").Submit();
    }

    public static void WaitFor<T>(IRenderedComponent<T> page, Action assertion) where T : Microsoft.AspNetCore.Components.IComponent =>
        page.WaitForAssertion(assertion, Patience);

    public ValueTask DisposeAsync() => Context.DisposeAsync();
}
