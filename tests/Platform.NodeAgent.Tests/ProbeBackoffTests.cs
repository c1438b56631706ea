using Platform.NodeAgent.Instances;

namespace Platform.NodeAgent.Tests;

public sealed class ProbeBackoffTests
{
    [Fact]
    public void Starts_at_one_millisecond_and_grows_slowly_to_its_cap()
    {
        var backoff = new ProbeBackoff();
        var delays = Enumerable.Range(0, 40).Select(_ => backoff.Next()).ToList();

        Assert.Equal(TimeSpan.FromMilliseconds(1), delays[0]);
        Assert.All(delays.Zip(delays.Skip(1)), pair => Assert.True(pair.Second >= pair.First));
        // The first five retries all fall within the old single 20 ms step.
        Assert.True(delays.Take(5).Sum(d => d.TotalMilliseconds) < 10);
        Assert.Equal(ProbeBackoff.Max, delays[^1]);
    }
}
