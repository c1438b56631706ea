using Bunit;
using Platform.Web.Components.Tenants;

namespace Platform.Web.Tests.Components;

public sealed class TenantsPanelTests : IAsyncDisposable
{
    private readonly DashboardContext dashboard = new();

    public TenantsPanelTests() => dashboard.Api.AddTenant("acme");

    [Fact]
    public void Admin_creates_a_trusted_tenant()
    {
        var panel = RenderPanel();

        panel.Find("#tenant-name").Change("globex");
        panel.Find("#tenant-trusted").Change(true);
        panel.Find("#tenant-create").Submit();

        WaitFor(panel, () => Assert.Contains("trusted: containers allowed", panel.Find("tr[data-tenant=globex]").TextContent));
        Assert.True(dashboard.Api.IsTrusted("globex"));
        Assert.Equal("", panel.Find("#tenant-name").GetAttribute("value"));
    }

    [Fact]
    public void A_refused_tenant_shows_the_api_detail_under_the_form()
    {
        var panel = RenderPanel();

        panel.Find("#tenant-name").Change("acme");
        panel.Find("#tenant-create").Submit();
        WaitFor(panel, () => Assert.Equal("The API answered 409: tenant 'acme' already exists", panel.Find("#tenant-create + .alert").TextContent));

        panel.Find("#tenant-name").Change("Not A Label");
        panel.Find("#tenant-create").Submit();
        WaitFor(panel, () => Assert.StartsWith("The API answered 400: name must be", panel.Find("#tenant-create + .alert").TextContent));
    }

    [Fact]
    public void Trust_toggles_through_the_api()
    {
        var panel = RenderPanel();

        panel.Find("button[aria-label='Trust acme']").Click();
        WaitFor(panel, () => Assert.Contains("trusted: containers allowed", panel.Find("tr[data-tenant=acme]").TextContent));
        Assert.True(dashboard.Api.IsTrusted("acme"));

        panel.Find("button[aria-label='Untrust acme']").Click();
        WaitFor(panel, () => Assert.Contains("untrusted: microVMs only", panel.Find("tr[data-tenant=acme]").TextContent));
        Assert.False(dashboard.Api.IsTrusted("acme"));
    }

    [Fact]
    public void A_new_key_is_shown_once_and_works_for_its_tenant()
    {
        var panel = RenderPanel();

        panel.Find("#key-name").Change("ci");
        panel.Find("#key-create").Submit();

        WaitFor(panel, () => Assert.NotNull(panel.Find("#new-key")));
        var key = panel.Find("#new-key").TextContent;
        Assert.True(dashboard.Api.IsTenantKey(key, "acme"));
        Assert.Contains("it is not shown again", panel.Find(".new-key").TextContent);

        panel.Find(".new-key button").Click();
        Assert.Empty(panel.FindAll("#new-key"));
        Assert.DoesNotContain(key, panel.Markup);
    }

    [Fact]
    public void Creating_a_tenant_on_the_page_adds_it_to_the_tenant_picker()
    {
        var page = dashboard.RenderSignedIn(FakePlatformApi.AdminKey);
        page.Find("#view-tenants").Click();
        WaitFor(page, () => Assert.NotNull(page.Find("#tenant-name")));

        page.Find("#tenant-name").Change("globex");
        page.Find("#tenant-create").Submit();

        WaitFor(page, () => Assert.Contains("globex", page.FindAll("#tenant-picker option").Select(o => o.TextContent)));
    }

    /// <summary>The panel as the admin sees it, once acme is listed.</summary>
    private IRenderedComponent<TenantsPanel> RenderPanel()
    {
        var panel = dashboard.Render<TenantsPanel>(FakePlatformApi.AdminKey);
        WaitFor(panel, () => Assert.NotNull(panel.Find("tr[data-tenant=acme]")));
        return panel;
    }

    public ValueTask DisposeAsync() => dashboard.DisposeAsync();
}
