using Bunit;
using Platform.Web.Components.Tenants;

namespace Platform.Web.Tests.Components;

public sealed class TenantsPanelTests : IAsyncDisposable
{
    private readonly DashboardContext _dashboard = new();

    public TenantsPanelTests() => _dashboard.Api.AddTenant("acme");

    [Fact]
    public void Admin_creates_a_trusted_tenant()
    {
        var panel = RenderPanel();

        panel.Find("#tenant-name").Change("globex");
        panel.Find("#tenant-trusted").Change(true);
        panel.Find("#tenant-create").Submit();

        WaitFor(panel, () => Assert.Contains("trusted: containers allowed", panel.Find("tr[data-tenant=globex]").TextContent));
        Assert.True(_dashboard.Api.IsTrusted("globex"));
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
        Assert.True(_dashboard.Api.IsTrusted("acme"));

        panel.Find("button[aria-label='Untrust acme']").Click();
        WaitFor(panel, () => Assert.Contains("untrusted: microVMs only", panel.Find("tr[data-tenant=acme]").TextContent));
        Assert.False(_dashboard.Api.IsTrusted("acme"));
    }

    [Fact]
    public void A_new_key_is_shown_once_and_works_for_its_tenant()
    {
        var panel = RenderPanel();

        panel.Find("#key-name").Change("ci");
        panel.Find("#key-create").Submit();

        WaitFor(panel, () => Assert.NotNull(panel.Find("#new-key")));
        var key = panel.Find("#new-key").TextContent;
        Assert.True(_dashboard.Api.IsTenantKey(key, "acme"));
        Assert.Contains("it is not shown again", panel.Find(".new-key").TextContent);

        panel.Find(".new-key button").Click();
        Assert.Empty(panel.FindAll("#new-key"));
        Assert.DoesNotContain(key, panel.Markup);
    }

    [Fact]
    public void Creating_a_tenant_on_the_page_adds_it_to_the_tenant_picker()
    {
        var page = _dashboard.RenderSignedIn(FakePlatformApi.AdminKey);
        page.Find("#view-tenants").Click();
        WaitFor(page, () => Assert.NotNull(page.Find("#tenant-name")));

        page.Find("#tenant-name").Change("globex");
        page.Find("#tenant-create").Submit();

        WaitFor(page, () => Assert.Contains("globex", page.FindAll("#tenant-picker option").Select(o => o.TextContent)));
    }

    [Fact]
    public void Quotas_are_shown_and_changed_with_the_apis_message_by_the_field()
    {
        var panel = RenderPanel();
        Assert.Equal("100 functions · 50 instances · 8192 MiB", panel.Find("tr[data-tenant=acme] td[data-label=Quotas]").TextContent);

        panel.Find("button[aria-label='Manage acme']").Click();
        WaitFor(panel, () => Assert.Equal("100", panel.Find("#quota-maxFunctions").GetAttribute("value")));
        panel.Find("#quota-maxFunctions").Change("-1");
        panel.Find("#quotas-form").Submit();
        WaitFor(panel, () => Assert.Equal("must be between 0 and 100000", panel.Find("#quota-maxFunctions-error").TextContent));

        panel.Find("#quota-maxFunctions").Change("3");
        panel.Find("#quota-maxMemoryMiB").Change("1024");
        panel.Find("#quotas-form").Submit();
        WaitFor(panel, () => Assert.Equal("3 functions · 50 instances · 1024 MiB", panel.Find("tr[data-tenant=acme] td[data-label=Quotas]").TextContent));
        Assert.Equal(new TenantQuotasInfo(3, 50, 1024), _dashboard.Api.Tenant("acme").Quotas);
        Assert.Empty(panel.FindAll("#quota-maxFunctions-error"));
    }

    [Fact]
    public void Keys_are_listed_by_prefix_and_a_deleted_key_stops_working()
    {
        _dashboard.Api.AddTenantKey("pk_acme_first", "acme");
        var panel = RenderPanel();

        panel.Find("button[aria-label='Manage acme']").Click();
        WaitFor(panel, () => Assert.Single(panel.FindAll(".keys-table tbody tr")));
        var row = panel.Find(".keys-table tbody tr");
        Assert.Equal("pk_acme_…", row.QuerySelector("td[data-label='Starts with']")!.TextContent);
        Assert.DoesNotContain("pk_acme_first", panel.Markup);

        row.QuerySelector("button[aria-label='Delete key test (pk_acme_)']")!.Click();
        WaitFor(panel, () => Assert.Equal("No keys.", panel.Find(".tenant-detail .empty").TextContent));
        Assert.False(_dashboard.Api.IsTenantKey("pk_acme_first", "acme"));
    }

    [Fact]
    public void Deleting_a_tenant_asks_first_then_removes_it_from_the_list()
    {
        var panel = RenderPanel();
        panel.Find("button[aria-label='Manage acme']").Click();
        WaitFor(panel, () => Assert.NotNull(panel.Find("#tenant-delete")));

        panel.Find("#tenant-delete").Click();
        panel.Find("#tenant-delete-confirm").Click();

        WaitFor(panel, () => Assert.Empty(panel.FindAll("tr[data-tenant=acme]")));
        Assert.Empty(panel.FindAll(".tenant-detail"));
    }

    /// <summary>The panel as the admin sees it, once acme is listed.</summary>
    private IRenderedComponent<TenantsPanel> RenderPanel()
    {
        var panel = _dashboard.Render<TenantsPanel>(FakePlatformApi.AdminKey);
        WaitFor(panel, () => Assert.NotNull(panel.Find("tr[data-tenant=acme]")));
        return panel;
    }

    public ValueTask DisposeAsync() => _dashboard.DisposeAsync();
}
