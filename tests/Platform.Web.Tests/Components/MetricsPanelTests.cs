using Bunit;
using Platform.Web.Components.Metrics;

namespace Platform.Web.Tests.Components;

public sealed class MetricsPanelTests : IAsyncDisposable
{
    private readonly DashboardContext _dashboard = new();

    public MetricsPanelTests()
    {
        _dashboard.Api.AddFunction("acme", new FunctionInfo("hello", 1), [], []);
        _dashboard.Api.AddFunction("acme", new FunctionInfo("quiet", null), [], []);
        _dashboard.Api.AddTenantKey("acme-key", "acme");
        _dashboard.Api.AddFunction("globex", new FunctionInfo("secret", 1), [], []);
        var invocations = new long[60];
        var p50 = new double?[60];
        invocations[57] = 120;
        p50[57] = 4;
        invocations[59] = 600;
        p50[59] = 25;
        _dashboard.Api.Metrics[("acme", "hello")] = FakePlatformApi.Series(invocations, p50, errorEvery: 10);
    }

    [Fact]
    public void Charts_are_named_svg_images_with_a_sentence_of_their_figures()
    {
        var panel = _dashboard.Render<MetricsPanel>("acme-key", p => p.Add(c => c.Tenant, "acme"));

        WaitFor(panel, () => Assert.Equal(4, panel.FindAll("figure.chart").Count));
        var rate = panel.Find("figure[data-chart=chart-rate] svg");
        Assert.Equal("img", rate.GetAttribute("role"));
        Assert.Equal("chart-rate-title chart-rate-desc", rate.GetAttribute("aria-labelledby"));
        Assert.Equal("Invocations per second, last hour per minute", panel.Find("#chart-rate-title").TextContent);
        Assert.Equal("Invocations: latest 10 req/s, highest 10 req/s.", panel.Find("#chart-rate-desc").TextContent);
        Assert.Equal("Errors: latest 60 5xx/min, highest 60 5xx/min.", panel.Find("#chart-errors-desc").TextContent);
        Assert.Equal("p50: latest 25 ms, highest 25 ms. p99: latest 50 ms, highest 50 ms.", panel.Find("#chart-latency-desc").TextContent);
        Assert.Equal(["p50", "p99"], panel.FindAll("figure[data-chart=chart-latency] .legend li").Select(l => l.TextContent));
        Assert.Equal("Cold starts: latest 1 per min, highest 1 per min.", panel.Find("#chart-cold-desc").TextContent);
        Assert.Contains("60 min ago", panel.Find("figure[data-chart=chart-rate] .chart-scale").TextContent);
    }

    [Fact]
    public void A_line_is_drawn_only_through_minutes_with_data_and_scaled_to_the_highest()
    {
        var panel = _dashboard.Render<MetricsPanel>("acme-key", p => p.Add(c => c.Tenant, "acme"));

        WaitFor(panel, () => Assert.NotNull(panel.Find("figure[data-chart=chart-latency] path.p99")));
        // Minutes 57 and 59 have latencies, 58 has none: two separate dashes, the highest at the top (y = 4) and
        // the last one ending at the right edge.
        var p99 = panel.Find("figure[data-chart=chart-latency] path.p99").GetAttribute("d")!;
        Assert.Equal(2, p99.Count(c => c == 'M'));
        Assert.DoesNotContain('L', p99);
        Assert.EndsWith("M297 4h3", p99);
        // Every minute has an invocation count (zero is a figure), so the rate is one line along the hour.
        var rate = panel.Find("figure[data-chart=chart-rate] path.rate").GetAttribute("d")!;
        Assert.Equal(1, rate.Count(c => c == 'M'));
        Assert.StartsWith("M0 80", rate);
    }

    [Fact]
    public void A_function_can_be_picked_and_the_table_sums_each_functions_hour()
    {
        var panel = _dashboard.Render<MetricsPanel>("acme-key", p => p.Add(c => c.Tenant, "acme"));
        WaitFor(panel, () => Assert.NotNull(panel.Find("tr[data-function=hello]")));

        var hello = panel.Find("tr[data-function=hello]");
        Assert.Equal("720", hello.QuerySelector("td[data-label=Invocations]")!.TextContent);
        Assert.Equal("72", hello.QuerySelector("td[data-label=Errors]")!.TextContent);
        Assert.Equal("2", hello.QuerySelector("td[data-label='Cold starts']")!.TextContent);
        Assert.Equal("50 ms", hello.QuerySelector("td[data-label='Worst p99']")!.TextContent);
        Assert.Equal("–", panel.Find("tr[data-function=quiet] td[data-label='Worst p99']").TextContent);

        panel.Find("#metrics-function").Change("quiet");
        WaitFor(panel, () => Assert.Equal("Invocations: latest 0 req/s, highest 0 req/s.", panel.Find("#chart-rate-desc").TextContent));
        Assert.Equal("p50: no data in the last hour. p99: no data in the last hour.", panel.Find("#chart-latency-desc").TextContent);
    }

    [Fact]
    public void Another_tenants_figures_are_refused_in_place()
    {
        var panel = _dashboard.Render<MetricsPanel>("acme-key", p => p.Add(c => c.Tenant, "globex"));

        WaitFor(panel, () => Assert.Contains("404", panel.Find("[role=alert]").TextContent));
        Assert.Empty(panel.FindAll("figure.chart"));
    }

    [Fact]
    public void The_overview_is_a_view_of_every_signed_in_key()
    {
        var page = _dashboard.RenderSignedIn("acme-key");

        page.Find("#view-overview").Click();

        WaitFor(page, () => Assert.Equal(4, page.FindAll("figure.chart").Count));
        Assert.Equal("page", page.Find("#view-overview").GetAttribute("aria-current"));
    }

    public ValueTask DisposeAsync() => _dashboard.DisposeAsync();
}
