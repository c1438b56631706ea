using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Platform.Web.Components.Functions;

namespace Platform.Web.Tests.Components;

public sealed class FunctionPageTests : IAsyncDisposable
{
    private static readonly Guid InstanceId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private readonly DashboardContext _dashboard = new();

    public FunctionPageTests()
    {
        _dashboard.Api.AddAcmeHello(new InstanceInfo(InstanceId, 2, "failed", null, "no node has room", "microvm"));
        _dashboard.Api.AddTenant("globex");
    }

    private IRenderedComponent<FunctionPage> Open(string key = "acme-key", string tenant = "acme", string function = "hello")
    {
        var page = _dashboard.Render<FunctionPage>(key, p => p.Add(c => c.Tenant, tenant).Add(c => c.Function, function));
        return page;
    }

    [Fact]
    public void Shows_versions_with_digests_and_instances_with_isolation_node_and_error()
    {
        var page = Open();

        WaitFor(page, () => Assert.Equal("active v2", page.Find("#active-version").TextContent));
        var rows = page.FindAll("table.versions tbody tr");
        Assert.Equal(["2", "1"], rows.Select(r => r.GetAttribute("data-version")));
        Assert.Equal("sha256:" + new string('b', 64), rows[0].QuerySelector("code")!.GetAttribute("title"));
        Assert.Null(rows[0].QuerySelector("button"));
        Assert.NotNull(rows[1].QuerySelector("button[aria-label='Activate v1']"));
        var instance = page.Find("table.instances tbody tr").TextContent;
        Assert.All(["microvm", "failed", "no node has room", "unplaced"], text => Assert.Contains(text, instance));
    }

    [Fact]
    public void Deploying_a_bundle_uploads_it_and_shows_the_new_active_version()
    {
        var page = Open();
        WaitFor(page, () => Assert.NotNull(page.Find("#active-version")));

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("a bundle", "bundle.tar"));
        page.Find("form.deploy").Submit();

        WaitFor(page, () => Assert.Equal("active v3", page.Find("#active-version").TextContent));
        Assert.Contains("v3 (active)", page.Find("tr[data-version='3']").TextContent);
        Assert.Equal(3, _dashboard.Api.Function("acme", "hello").ActiveVersion);
    }

    [Fact]
    public void A_refused_bundle_shows_the_api_detail_by_the_deploy_form()
    {
        var page = Open();
        WaitFor(page, () => Assert.NotNull(page.Find("#active-version")));

        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary([], "empty.tar"));
        page.Find("form.deploy").Submit();

        WaitFor(page, () => Assert.Equal("The API answered 400: the bundle is empty", page.Find("form.deploy ~ .alert").TextContent));
        Assert.Equal("active v2", page.Find("#active-version").TextContent);
    }

    [Fact]
    public void Activate_rolls_back_to_an_older_version()
    {
        var page = Open();
        WaitFor(page, () => Assert.NotNull(page.Find("button[aria-label='Activate v1']")));

        page.Find("button[aria-label='Activate v1']").Click();

        WaitFor(page, () => Assert.Equal("active v1", page.Find("#active-version").TextContent));
        Assert.NotNull(page.Find("button[aria-label='Activate v2']"));
        Assert.Equal(1, _dashboard.Api.Function("acme", "hello").ActiveVersion);
    }

    [Fact]
    public void Invoke_console_sends_method_path_headers_and_body_and_shows_the_answer()
    {
        var page = Open();
        WaitFor(page, () => Assert.NotNull(page.Find("#active-version")));

        page.Find("#invoke-method").Change("POST");
        page.Find("#invoke-path").Change("/greet?name=x");
        page.Find("#invoke-headers").Change("Content-Type: text/plain\nX-Trace: 1\n");
        page.Find("#invoke-body").Change("hi");
        page.Find("form.invoke-form").Submit();

        WaitFor(page, () => Assert.Equal("200 OK", page.Find("#invoke-status").TextContent));
        Assert.Equal("12 ms", page.Find("#invoke-elapsed").TextContent);
        Assert.Equal("POST /greet?name=x hi", page.Find("#invoke-response-body").TextContent);
        Assert.Contains("Content-Type: text/plain", page.Find("pre.invoke-headers").TextContent);
        var sent = Assert.Single(_dashboard.Api.Invocations);
        Assert.Equal([KeyValuePair.Create("Content-Type", "text/plain"), KeyValuePair.Create("X-Trace", "1")], sent.Headers);
    }

    [Theory]
    [InlineData("/x", "no colon here", "Header line 1 is not 'Name: value'.")]
    [InlineData("/../../v1/tenants", "", "The path may not contain '.' or '..' segments.")]
    public void Invoke_console_refuses_what_it_cannot_send_in_place(string path, string headers, string error)
    {
        var page = Open();
        WaitFor(page, () => Assert.NotNull(page.Find("#active-version")));

        page.Find("#invoke-path").Change(path);
        page.Find("#invoke-headers").Change(headers);
        page.Find("form.invoke-form").Submit();

        WaitFor(page, () => Assert.Equal(error, page.Find("form.invoke-form + .alert").TextContent));
        Assert.Empty(_dashboard.Api.Invocations);
    }

    [Fact]
    public void Log_tail_shows_lines_as_they_are_written()
    {
        var page = Open();
        WaitFor(page, () => Assert.Contains("No lines yet.", page.Find("section.logs").TextContent));

        _dashboard.Api.WriteLog("acme", "hello", new LogLineInfo(DateTimeOffset.Parse("2025-01-02T10:00:01Z"), InstanceId, "stdout", "listening on 8080"));
        _dashboard.Api.WriteLog("acme", "hello", new LogLineInfo(DateTimeOffset.Parse("2025-01-02T10:00:02Z"), InstanceId, "stderr", "oops"));

        WaitFor(page, () => Assert.Equal(2, page.FindAll("section.logs [role=log] span").Count));
        Assert.Contains("listening on 8080", page.Find("span.log-stdout").TextContent);
        Assert.Contains("oops", page.Find("span.log-stderr").TextContent);
        Assert.Equal("Logs", page.Find("#logs-heading").TextContent);
    }

    [Fact]
    public void Another_tenants_function_is_not_found_for_a_tenant_key()
    {
        _dashboard.Api.AddFunction("globex", new FunctionInfo("report", 1), [new VersionInfo(1, "sha256:" + new string('c', 64), 10, null)], []);

        var page = Open(tenant: "globex", function: "report");

        WaitFor(page, () => Assert.Equal("The API answered 404: not found.", page.Find(".function-page > .alert").TextContent));
        Assert.Empty(page.FindAll("table.versions"));
    }

    [Fact]
    public void A_function_created_on_the_list_opens_its_page()
    {
        var page = _dashboard.RenderSignedIn("acme-key");

        page.Find("#function-name").Change("fresh");
        page.Find("#function-create").Submit();

        WaitFor(page, () => Assert.Equal("no active version", page.Find("#active-version").TextContent));
        Assert.Equal("fresh", page.Find("#function-heading").TextContent);
        page.Find("#back").Click();
        WaitFor(page, () => Assert.NotNull(page.Find("article[data-function=fresh]")));
    }

    [Fact]
    public void A_key_revoked_while_on_the_function_page_returns_to_sign_in()
    {
        var page = _dashboard.RenderSignedIn("acme-key");
        WaitFor(page, () => Assert.NotNull(page.Find("button[aria-label='Open hello']")));
        page.Find("button[aria-label='Open hello']").Click();
        WaitFor(page, () => Assert.NotNull(page.Find("button[aria-label='Activate v1']")));

        _dashboard.Api.RevokeKey("acme-key");
        page.Find("button[aria-label='Activate v1']").Click();

        WaitFor(page, () => Assert.Equal("The key is no longer accepted. Sign in again.", page.Find(".alert").TextContent));
        Assert.Null(_dashboard.Store.Stored);
    }

    public ValueTask DisposeAsync() => _dashboard.DisposeAsync();
}
