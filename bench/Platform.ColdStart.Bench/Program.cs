using System.Globalization;

namespace Platform.ColdStart.Bench;

/// <summary>
/// Cold start and invocation benchmarks on one embedded platform in its own process (PlatformProcess), each
/// against a peer measured in the same run. Run as root after scripts/build:
///   crun [rounds=20]             keepalive sample: cold start through the gateway vs crun run -d, interleaved
///   warm [rounds=3] [seconds=5]  keepalive sample: wrk through the gateway vs straight to the instance
///   burst [requests=200] [concurrency=10]   concurrent cold requests: answered, instances, time to all answered
///   isolation [rounds=10]        echo sample: container vs microVM (needs KVM for the second)
///   density [instances=2000]     idle instances on one node: the platform's memory per instance
/// A bare number means `isolation` with that many rounds.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var mode = args.Length > 0 && !int.TryParse(args[0], out _) ? args[0] : "isolation";
        var numbers = args.SkipWhile(a => a == mode).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();
        int Arg(int index, int fallback) => numbers.Length > index ? numbers[index] : fallback;
        if (mode == "crun" && await CrunPeer.ReexecWithoutUnifiedAsync(args) is { } exitCode)
        {
            return exitCode;
        }

        switch (mode)
        {
            case "crun":
                await CrunMode.RunAsync(Arg(0, 20));
                break;
            case "warm":
                await WarmMode.RunAsync(Arg(0, 3), TimeSpan.FromSeconds(Arg(1, 5)));
                break;
            case "burst":
                await BurstMode.RunAsync(Arg(0, 200), Arg(1, 10));
                break;
            case "isolation":
                await IsolationMode.RunAsync(Arg(0, 10));
                break;
            case "density":
                await DensityMode.RunAsync(Arg(0, 2000));
                break;
            default:
                Console.Error.WriteLine($"unknown mode '{mode}': crun, warm, burst, isolation or density");
                return 2;
        }

        return 0;
    }
}
