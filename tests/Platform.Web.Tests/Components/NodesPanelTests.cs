using Bunit;
using Platform.Web.Components.Nodes;

namespace Platform.Web.Tests.Components;

public sealed class NodesPanelTests : IAsyncDisposable
{
    private readonly DashboardContext _dashboard = new();

    public NodesPanelTests()
    {
        _dashboard.Api.Nodes.Clear();
        _dashboard.Api.Nodes.Add(new NodeInfo("node-a", "ready", false, 4096, 1024, ["container", "microvm"], 4, DateTimeOffset.UtcNow.AddSeconds(-7)));
        _dashboard.Api.Nodes.Add(new NodeInfo("node-b", "ready", true, 2048, 0, ["container"], 2, DateTimeOffset.UtcNow.AddMinutes(-3)));
    }

    [Fact]
    public void Admin_sees_capacity_state_backends_heartbeat_and_cordon()
    {
        var panel = _dashboard.Render<NodesPanel>(FakePlatformApi.AdminKey);

        WaitFor(panel, () => Assert.Equal(2, panel.FindAll("tr[data-node]").Count));
        var a = panel.Find("tr[data-node=node-a]");
        Assert.Equal("1024", a.QuerySelector("meter")!.GetAttribute("value"));
        Assert.Equal("4096", a.QuerySelector("meter")!.GetAttribute("max"));
        Assert.Contains("1024 / 4096 MiB", a.TextContent);
        Assert.Contains("container, microvm", a.TextContent);
        Assert.Matches(@"\d s ago", a.QuerySelector("td[data-label=Heartbeat]")!.TextContent);
        Assert.Contains("ready", a.TextContent);
        Assert.DoesNotContain("cordoned", a.TextContent);
        var b = panel.Find("tr[data-node=node-b]");
        Assert.Contains("cordoned", b.TextContent);
        Assert.Contains("3 min ago", b.TextContent);
        Assert.NotNull(b.QuerySelector("button[aria-label='Uncordon node-b']"));
    }

    [Fact]
    public void Cordon_uncordon_and_drain_show_what_the_scheduler_answered()
    {
        var panel = _dashboard.Render<NodesPanel>(FakePlatformApi.AdminKey);
        WaitFor(panel, () => Assert.NotNull(panel.Find("tr[data-node=node-a]")));

        panel.Find("button[aria-label='Cordon node-a']").Click();
        WaitFor(panel, () => Assert.Contains("cordoned", panel.Find("tr[data-node=node-a]").TextContent));
        Assert.True(_dashboard.Api.Nodes.Single(n => n.Id == "node-a").Cordoned);

        panel.Find("button[aria-label='Uncordon node-a']").Click();
        WaitFor(panel, () => Assert.DoesNotContain("cordoned", panel.Find("tr[data-node=node-a]").TextContent));

        panel.Find("button[aria-label='Drain node-a']").Click();
        WaitFor(panel, () => Assert.Contains("draining", panel.Find("tr[data-node=node-a]").TextContent));
        Assert.Contains("cordoned", panel.Find("tr[data-node=node-a]").TextContent);
    }

    [Fact]
    public void An_action_that_fails_says_why_in_its_row()
    {
        var panel = _dashboard.Render<NodesPanel>(FakePlatformApi.AdminKey);
        WaitFor(panel, () => Assert.NotNull(panel.Find("tr[data-node=node-b]")));

        _dashboard.Api.Nodes.RemoveAll(n => n.Id == "node-b");
        panel.Find("button[aria-label='Drain node-b']").Click();

        WaitFor(panel, () => Assert.Equal("The API answered 404: node 'node-b' not found", panel.Find("tr[data-node=node-b] .alert").TextContent));
        Assert.Empty(panel.FindAll("tr[data-node=node-a] .alert"));
    }

    [Fact]
    public void No_nodes_is_an_empty_state()
    {
        _dashboard.Api.Nodes.Clear();

        var panel = _dashboard.Render<NodesPanel>(FakePlatformApi.AdminKey);

        WaitFor(panel, () => Assert.Contains("No nodes have reported yet.", panel.Find(".empty").TextContent));
    }

    [Fact]
    public void Admin_page_has_the_nodes_view_and_a_tenant_key_has_no_admin_views()
    {
        _dashboard.Api.AddFunction("acme", new FunctionInfo("hello", null), [], []);
        _dashboard.Api.AddTenantKey("acme-key", "acme");
        var page = _dashboard.RenderSignedIn(FakePlatformApi.AdminKey);

        page.Find("#view-nodes").Click();

        WaitFor(page, () => Assert.NotNull(page.Find("tr[data-node=node-a]")));
        Assert.Equal("page", page.Find("#view-nodes").GetAttribute("aria-current"));

        page.Find("#sign-out").Click();
        SignIn(page, "acme-key");
        WaitFor(page, () => Assert.NotNull(page.Find("article[data-function=hello]")));
        Assert.Equal(["view-functions", "view-overview"], page.FindAll("nav.views button").Select(b => b.Id));
    }

    public ValueTask DisposeAsync() => _dashboard.DisposeAsync();
}
