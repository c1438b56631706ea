using Bunit;
using Platform.Web.Session;

namespace Platform.Web.Tests.Components;

public sealed class HomeTests : IAsyncDisposable
{
    private static readonly Guid InstanceId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private readonly DashboardContext _dashboard = new();

    public HomeTests()
    {
        _dashboard.Api.AddAcmeHello(new InstanceInfo(InstanceId, 2, "Running", "node-1", null));
        _dashboard.Api.AddFunction("globex", new FunctionInfo("report", ActiveVersion: null), [], []);
    }

    [Fact]
    public void Signed_out_page_asks_for_a_key()
    {
        var page = _dashboard.Render();

        WaitFor(page, () => Assert.NotNull(page.Find("input#key[type=password]")));
        Assert.Null(_dashboard.Store.Stored);
    }

    [Fact]
    public void Tenant_key_shows_functions_with_active_version_versions_and_instances()
    {
        var page = _dashboard.Render();

        SignIn(page, "acme-key");

        WaitFor(page, () => Assert.NotNull(page.Find("article[data-function=hello]")));
        var card = page.Find("article[data-function=hello]");
        Assert.Contains("active v2", card.TextContent);
        var versions = page.FindAll("table.versions tbody tr");
        Assert.Equal(2, versions.Count);
        Assert.Contains("v2 (active)", versions[0].TextContent);
        Assert.Contains("sha256:bbbbbbbbbbbb", versions[0].TextContent);
        Assert.Contains("v1", versions[1].TextContent);
        var instance = page.Find("table.instances tbody tr");
        Assert.Contains("0f8fad5b", instance.TextContent);
        Assert.Contains("Running", instance.TextContent);
        Assert.Contains("node-1", instance.TextContent);
    }

    [Fact]
    public void Sign_in_and_the_tenant_shown_are_kept_in_the_session_store()
    {
        var page = _dashboard.Render();

        SignIn(page, "acme-key");
        WaitFor(page, () => Assert.NotNull(page.Find("article[data-function=hello]")));
        Assert.Equal(new StoredSignIn("acme-key", "acme"), _dashboard.Store.Stored);

        page.Find("#sign-out").Click();
        WaitFor(page, () => Assert.NotNull(page.Find("#key")));
        Assert.Null(_dashboard.Store.Stored);

        SignIn(page, FakePlatformApi.AdminKey);
        WaitFor(page, () => Assert.NotNull(page.Find("article[data-function=hello]")));
        Assert.Equal(new StoredSignIn(FakePlatformApi.AdminKey, "acme"), _dashboard.Store.Stored);

        page.Find("#tenant-picker").Change("globex");
        WaitFor(page, () => Assert.NotNull(page.Find("article[data-function=report]")));
        Assert.Equal(new StoredSignIn(FakePlatformApi.AdminKey, "globex"), _dashboard.Store.Stored);
    }

    [Fact]
    public void Stored_sign_in_is_restored_with_its_tenant_without_asking_again()
    {
        _dashboard.Store.Stored = new StoredSignIn(FakePlatformApi.AdminKey, "globex");

        var page = _dashboard.Render();

        WaitFor(page, () => Assert.NotNull(page.Find("article[data-function=report]")));
        Assert.Empty(page.FindAll("#key"));
        Assert.Equal("globex", page.Find("#tenant-picker").GetAttribute("value"));
    }

    [Fact]
    public void Stored_sign_in_of_a_revoked_key_asks_again()
    {
        _dashboard.Store.Stored = new StoredSignIn("acme-key", "acme");
        _dashboard.Api.RevokeKey("acme-key");

        var page = _dashboard.Render();

        WaitFor(page, () => Assert.Equal("This key was not accepted.", page.Find(".alert").TextContent));
        Assert.NotNull(page.Find("#key"));
    }

    [Fact]
    public void Admin_key_lists_tenants_and_switching_tenant_shows_its_functions()
    {
        var page = _dashboard.Render();

        SignIn(page, FakePlatformApi.AdminKey);

        WaitFor(page, () => Assert.NotNull(page.Find("article[data-function=hello]")));
        var options = page.FindAll("#tenant-picker option").Select(o => o.TextContent).ToList();
        Assert.Equal(["acme", "globex"], options);
        Assert.Contains("admin key", page.Find(".toolbar").TextContent);

        page.Find("#tenant-picker").Change("globex");

        WaitFor(page, () => Assert.NotNull(page.Find("article[data-function=report]")));
        Assert.Empty(page.FindAll("article[data-function=hello]"));
        Assert.Contains("no active version", page.Find("article[data-function=report]").TextContent);
        Assert.Contains("No version uploaded yet.", page.Markup);
    }

    [Fact]
    public void Refresh_shows_a_tenant_created_since_sign_in()
    {
        var page = _dashboard.Render();
        SignIn(page, FakePlatformApi.AdminKey);
        WaitFor(page, () => Assert.NotNull(page.Find("article[data-function=hello]")));

        _dashboard.Api.AddTenant("initech");
        page.Find("#refresh").Click();

        WaitFor(page, () => Assert.Contains("initech", page.FindAll("#tenant-picker option").Select(o => o.TextContent)));
        Assert.Equal("acme", page.Find(".toolbar h1").TextContent);
        Assert.NotNull(page.Find("article[data-function=hello]"));
    }

    [Fact]
    public void Bad_key_is_refused_with_a_message()
    {
        var page = _dashboard.Render();

        SignIn(page, "wrong");

        WaitFor(page, () => Assert.Equal("This key was not accepted.", page.Find(".alert").TextContent));
        Assert.Null(_dashboard.Store.Stored);
        Assert.NotNull(page.Find("#key"));
    }

    [Fact]
    public void Tenant_key_sees_its_own_tenant_without_a_picker()
    {
        var page = _dashboard.Render();

        SignIn(page, "acme-key");

        WaitFor(page, () => Assert.NotNull(page.Find("article[data-function=hello]")));
        Assert.Equal("acme", page.Find(".toolbar h1").TextContent);
        Assert.Contains("tenant key", page.Find(".toolbar").TextContent);
        Assert.Empty(page.FindAll("#tenant-picker"));
        Assert.Empty(page.FindAll("article[data-function=report]"));
    }

    [Fact]
    public void Api_down_at_sign_in_says_so()
    {
        _dashboard.Api.Down = true;
        var page = _dashboard.Render();

        SignIn(page, "acme-key");

        WaitFor(page, () => Assert.StartsWith("The platform API is not available.", page.Find(".alert").TextContent));
    }

    [Fact]
    public void Api_down_while_signed_in_says_so_and_refresh_recovers()
    {
        var page = _dashboard.Render();
        SignIn(page, "acme-key");
        WaitFor(page, () => Assert.NotNull(page.Find("article[data-function=hello]")));

        _dashboard.Api.Down = true;
        page.Find("#refresh").Click();
        WaitFor(page, () => Assert.StartsWith("The platform API is not available.", page.Find(".alert").TextContent));
        Assert.Empty(page.FindAll("article"));

        _dashboard.Api.Down = false;
        page.Find("#refresh").Click();
        WaitFor(page, () => Assert.NotNull(page.Find("article[data-function=hello]")));
        Assert.Empty(page.FindAll(".alert"));
    }

    [Fact]
    public void Revoked_key_returns_to_sign_in_with_a_message()
    {
        var page = _dashboard.Render();
        SignIn(page, "acme-key");
        WaitFor(page, () => Assert.NotNull(page.Find("article[data-function=hello]")));

        _dashboard.Api.RevokeKey("acme-key");
        page.Find("#refresh").Click();

        WaitFor(page, () => Assert.Equal("The key is no longer accepted. Sign in again.", page.Find(".alert").TextContent));
        Assert.NotNull(page.Find("#key"));
        Assert.Null(_dashboard.Store.Stored);
    }

    [Fact]
    public void Tenant_without_functions_says_so()
    {
        _dashboard.Api.AddTenant("initech");
        _dashboard.Api.AddTenantKey("initech-key", "initech");
        var page = _dashboard.Render();

        SignIn(page, "initech-key");

        WaitFor(page, () => Assert.Contains("No functions yet.", page.Find(".empty").TextContent));
    }

    public ValueTask DisposeAsync() => _dashboard.DisposeAsync();
}
