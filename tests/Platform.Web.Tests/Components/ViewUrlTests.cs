using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Web.Tests.Components;

/// <summary>Every view has its own URL on "/": a reload or a link opens it, the back button returns.</summary>
public sealed class ViewUrlTests : IAsyncDisposable
{
    private readonly DashboardContext _dashboard = new();

    public ViewUrlTests()
    {
        _dashboard.Api.AddAcmeHello(new InstanceInfo(Guid.NewGuid(), 2, "running", "node-1", null, "container"));
        _dashboard.Api.AddFunction("globex", new FunctionInfo("billing", null), [], []);
    }

    private NavigationManager Navigation => _dashboard.Context.Services.GetRequiredService<NavigationManager>();

    [Fact]
    public void Views_change_the_url_and_going_back_shows_the_previous_view()
    {
        var page = _dashboard.RenderSignedIn("acme-key");
        WaitFor(page, () => Assert.NotNull(page.Find("article[data-function=hello]")));

        page.Find("button[aria-label='Open hello']").Click();
        WaitFor(page, () => Assert.NotNull(page.Find("section.function-page[data-function=hello]")));
        Assert.Equal("http://localhost/?tenant=acme&function=hello", Navigation.Uri);

        page.Find("#view-overview").Click();
        WaitFor(page, () => Assert.NotNull(page.Find("section.metrics")));
        Assert.Equal("http://localhost/?view=overview&tenant=acme", Navigation.Uri);

        Navigation.NavigateTo("/?tenant=acme&function=hello");
        WaitFor(page, () => Assert.NotNull(page.Find("section.function-page[data-function=hello]")));
        Assert.Equal("page", page.Find("#view-functions").GetAttribute("aria-current"));
    }

    [Fact]
    public void A_url_opens_its_view_after_sign_in_within_what_the_key_may_see()
    {
        Navigation.NavigateTo("/?view=nodes&tenant=globex");
        var admin = _dashboard.RenderSignedIn(FakePlatformApi.AdminKey);
        WaitFor(admin, () => Assert.NotNull(admin.Find("section.nodes")));
        Assert.Equal("globex", admin.Find("h1").TextContent);

        // A tenant key: no Nodes view, and another tenant in the URL is not switched to.
        admin.Find("#sign-out").Click();
        SignIn(admin, "acme-key");
        WaitFor(admin, () => Assert.NotNull(admin.Find("article[data-function=hello]")));
        Assert.Equal("acme", admin.Find("h1").TextContent);
        Assert.Empty(admin.FindAll("section.nodes"));
    }

    [Fact]
    public void Picking_a_tenant_leaves_a_function_for_the_new_tenants_list()
    {
        Navigation.NavigateTo("/?tenant=acme&function=hello");
        var page = _dashboard.RenderSignedIn(FakePlatformApi.AdminKey);
        WaitFor(page, () => Assert.NotNull(page.Find("section.function-page[data-function=hello]")));

        page.Find("#tenant-picker").Change("globex");

        WaitFor(page, () => Assert.NotNull(page.Find("article[data-function=billing]")));
        Assert.Equal("http://localhost/?tenant=globex", Navigation.Uri);
    }

    public ValueTask DisposeAsync() => _dashboard.DisposeAsync();
}
