using Platform.Api.Figures;

namespace Platform.Api.Tests;

/// <summary>The per-minute figures behind GET /v1/tenants/{t}/metrics, on a clock the test moves.</summary>
public sealed class GatewayFiguresTests
{
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly DateTimeOffset Noon = new(2026, 12, 3, 12, 0, 30, TimeSpan.Zero);

    [Fact]
    public void Each_minute_has_its_own_bucket_and_the_last_is_the_current_one()
    {
        var clock = new ManualClock(Noon);
        var figures = new GatewayFigures(clock);
        figures.Record("acme", "a", 200, TimeSpan.FromMilliseconds(10));
        clock.Now = Noon.AddMinutes(1);
        figures.ColdStart("acme", "a");
        figures.Record("acme", "a", 503, TimeSpan.FromSeconds(2));
        figures.Record("acme", "b", 200, TimeSpan.FromMilliseconds(4));

        TenantFigures read = figures.Read("acme", ["a", "b"]);

        Assert.Equal(new DateTimeOffset(2026, 12, 3, 11, 2, 0, TimeSpan.Zero), read.Start);
        Assert.Equal(60, read.Total.Length);
        MinuteFigures[] a = read.Functions.Single(f => f.Function == "a").Minutes;
        Assert.Equal((1, 0, 0), (a[58].Invocations, a[58].Errors, a[58].ColdStarts));
        Assert.Equal((1, 1, 1), (a[59].Invocations, a[59].Errors, a[59].ColdStarts));
        Assert.Equal(2, read.Total[59].Invocations);
        Assert.Equal(1, read.Total[59].Errors);
        Assert.Equal(0, read.Total[..58].Sum(m => m.Invocations));
    }

    [Fact]
    public void A_minute_an_hour_old_is_gone_and_other_tenants_are_not_read()
    {
        var clock = new ManualClock(Noon);
        var figures = new GatewayFigures(clock);
        figures.Record("acme", "a", 200, TimeSpan.FromMilliseconds(10));
        figures.Record("other", "a", 200, TimeSpan.FromMilliseconds(10));
        clock.Now = Noon.AddMinutes(59);
        Assert.Equal(1, figures.Read("acme", ["a"]).Total[0].Invocations);

        clock.Now = Noon.AddMinutes(60);
        figures.Record("acme", "a", 200, TimeSpan.FromMilliseconds(10));

        TenantFigures read = figures.Read("acme", ["a"]);
        Assert.Equal(1, read.Total.Sum(m => m.Invocations));
        Assert.Equal(1, read.Total[59].Invocations);
        Assert.Equal(0, figures.Read("acme", ["b"]).Total.Sum(m => m.Invocations));
    }

    [Fact]
    public void Percentiles_are_within_a_bucket_above_the_true_value_and_never_above_the_largest()
    {
        var histogram = new LatencyHistogram();
        Assert.Null(histogram.PercentileMilliseconds(0.5));
        for (int ms = 1; ms <= 100; ms++)
        {
            histogram.Add(TimeSpan.FromMilliseconds(ms));
        }

        Assert.InRange(histogram.PercentileMilliseconds(0.5)!.Value, 50, 50 * 1.19);
        Assert.InRange(histogram.PercentileMilliseconds(0.99)!.Value, 99, 100);
        Assert.Equal(100, histogram.PercentileMilliseconds(1));
    }
}
