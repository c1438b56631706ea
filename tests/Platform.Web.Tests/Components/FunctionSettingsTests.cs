using Bunit;
using Platform.Web.Components.Functions;

namespace Platform.Web.Tests.Components;

/// <summary>The function page's settings, secrets, traffic split, async invocations and delete.</summary>
public sealed class FunctionSettingsTests : IAsyncDisposable
{
    private readonly DashboardContext _dashboard = new();

    public FunctionSettingsTests() =>
        _dashboard.Api.AddAcmeHello(new InstanceInfo(Guid.NewGuid(), 2, "running", "node-1", null, "container"));

    private IRenderedComponent<FunctionPage> Open()
    {
        var page = _dashboard.Render<FunctionPage>("acme-key", p => p.Add(c => c.Tenant, "acme").Add(c => c.Function, "hello"));
        WaitFor(page, () => Assert.NotNull(page.Find("#settings-form")));
        return page;
    }

    [Fact]
    public void The_form_shows_the_settings_and_saving_rolls_out_a_new_version()
    {
        var page = Open();
        Assert.Equal("128", page.Find("#setting-memoryMiB").GetAttribute("value"));
        Assert.Equal("Memory (MiB)", page.Find("label[for=setting-memoryMiB]").TextContent);

        page.Find("#setting-memoryMiB").Change("256");
        page.Find("#setting-isolation").Change("container");
        page.Find("#setting-public").Change(false);
        page.Find("#setting-egress").Change(true);
        page.Find("#setting-env").Change("GREETING=hi\nMODE=a=b");
        page.Find("#settings-form").Submit();

        WaitFor(page, () => Assert.Equal("active v3", page.Find("#active-version").TextContent));
        var settings = _dashboard.Api.Function("acme", "hello").Settings!;
        Assert.Equal((256, "container", false, true), (settings.MemoryMiB, settings.Isolation, settings.Public, settings.Egress));
        Assert.Equal(new Dictionary<string, string> { ["GREETING"] = "hi", ["MODE"] = "a=b" }, settings.Env);
        Assert.Equal("Saved.", page.Find("[role=status]").TextContent);
    }

    [Fact]
    public void The_apis_validation_messages_appear_by_the_fields_they_concern()
    {
        var page = Open();

        page.Find("#setting-memoryMiB").Change("8");
        page.Find("#setting-minInstances").Change("20");
        page.Find("#setting-env").Change("1BAD=x");
        page.Find("#settings-form").Submit();

        WaitFor(page, () => Assert.Equal("must be between 16 and 65536", page.Find("#setting-memoryMiB-error").TextContent));
        Assert.Equal("true", page.Find("#setting-memoryMiB").GetAttribute("aria-invalid"));
        Assert.Equal("setting-memoryMiB-error", page.Find("#setting-memoryMiB").GetAttribute("aria-describedby"));
        Assert.Equal("must not be larger than maxInstances", page.Find("#setting-minInstances-error").TextContent);
        Assert.Contains("env.1BAD", page.Find("#setting-env-error").TextContent);
        Assert.Null(page.Find("#setting-cpuMillis").GetAttribute("aria-invalid"));
        Assert.Equal(128, _dashboard.Api.Function("acme", "hello").Settings!.MemoryMiB);

        page.Find("#setting-env").Change("no equals sign");
        page.Find("#settings-form").Submit();
        WaitFor(page, () => Assert.Equal("\"no equals sign\" is not NAME=value.", page.Find("#setting-env-error").TextContent));
    }

    [Fact]
    public void Secrets_are_listed_by_name_set_without_showing_the_value_and_deleted()
    {
        var page = Open();
        WaitFor(page, () => Assert.Equal("No secrets.", page.Find("section[aria-labelledby=secrets-heading] .empty").TextContent));
        Assert.Equal("password", page.Find("#secret-value").GetAttribute("type"));

        page.Find("#secret-name").Change("API_TOKEN");
        page.Find("#secret-value").Change("s3cret");
        page.Find("#secret-form").Submit();

        WaitFor(page, () => Assert.NotNull(page.Find("tr[data-secret=API_TOKEN]")));
        Assert.DoesNotContain("s3cret", page.Markup);
        Assert.Equal(["API_TOKEN"], _dashboard.Api.SecretsOf("acme", "hello"));
        WaitFor(page, () => Assert.Equal("active v3", page.Find("#active-version").TextContent));

        page.Find("#secret-name").Change("PORT");
        page.Find("#secret-value").Change("1");
        page.Find("#secret-form").Submit();
        WaitFor(page, () => Assert.Contains("not PORT", page.Find("section[aria-labelledby=secrets-heading] [role=alert]").TextContent));

        page.Find("button[aria-label='Delete secret API_TOKEN']").Click();
        WaitFor(page, () => Assert.Empty(page.FindAll("tr[data-secret]")));
        Assert.Empty(_dashboard.Api.SecretsOf("acme", "hello"));
    }

    [Fact]
    public void A_traffic_split_is_set_refused_in_place_when_it_does_not_add_up_and_ended()
    {
        var page = Open();
        WaitFor(page, () => Assert.NotNull(page.Find("#traffic-1")));

        page.Find("#traffic-1").Change("90");
        page.Find("#traffic-2").Change("20");
        page.Find("#traffic-form").Submit();
        WaitFor(page, () => Assert.Contains("sum to 100 (they sum to 110)", page.Find("#traffic-form + [role=alert]").TextContent));

        page.Find("#traffic-2").Change("10");
        page.Find("#traffic-form").Submit();
        WaitFor(page, () => Assert.Equal("Split now: v1 90%, v2 10%", page.Find("#traffic-now").TextContent));
        Assert.Equal(new Dictionary<int, int> { [1] = 90, [2] = 10 }, _dashboard.Api.Function("acme", "hello").Traffic);

        page.Find("#traffic-end").Click();
        WaitFor(page, () => Assert.Equal("No split: the active version takes every request.", page.Find("#traffic-now").TextContent));
        Assert.Null(_dashboard.Api.Function("acme", "hello").Traffic);
    }

    [Fact]
    public void Async_invocations_are_listed_with_status_attempts_and_answer()
    {
        var id = Guid.Parse("6d1f2a4c-0000-4000-8000-000000000001");
        _dashboard.Api.AddAsyncInvocation("acme", "hello", new InvocationSummaryInfo(id, "succeeded", 2, 200, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));
        var page = Open();

        WaitFor(page, () => Assert.NotNull(page.Find($"tr[data-invocation='{id}']")));
        var row = page.Find($"tr[data-invocation='{id}']");
        Assert.Equal("succeeded", row.QuerySelector("td[data-label=Status]")!.TextContent);
        Assert.Equal("2", row.QuerySelector("td[data-label=Attempts]")!.TextContent);
        Assert.Equal("200", row.QuerySelector("td[data-label=Answer]")!.TextContent);
    }

    [Fact]
    public void Deleting_asks_for_confirmation_then_returns_to_the_list()
    {
        var page = _dashboard.RenderSignedIn("acme-key");
        WaitFor(page, () => Assert.NotNull(page.Find("article[data-function=hello] button")));
        page.Find("article[data-function=hello] button").Click();
        WaitFor(page, () => Assert.NotNull(page.Find("#delete-function")));

        page.Find("#delete-function").Click();
        page.Find("#delete-cancel").Click();
        Assert.Equal(2, _dashboard.Api.Function("acme", "hello").ActiveVersion);
        page.Find("#delete-function").Click();
        page.Find("#delete-confirm").Click();

        WaitFor(page, () => Assert.NotNull(page.Find("#function-create")));
        Assert.Empty(page.FindAll("article[data-function=hello]"));
    }

    public ValueTask DisposeAsync() => _dashboard.DisposeAsync();
}
