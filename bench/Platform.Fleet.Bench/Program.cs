using Platform.Fleet.Bench;

// The fleet's benchmarks (bench/README.md), on a throwaway PostgreSQL and RabbitMQ on this machine:
//   placement [nodes=100] [functions=100] [burst=500]   the scheduler with simulated nodes
//   forward [rounds=10] [requests=100]                  a warm invocation, embedded vs fleet (root: real containers)
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index]) : fallback;
switch (args.FirstOrDefault() ?? "placement")
{
    case "placement":
        await PlacementBench.RunAsync(Arg(1, 100), Arg(2, 100), Arg(3, 500), stop.Token);
        return 0;
    case "forward":
        await ForwardBench.RunAsync(Arg(1, 10), Arg(2, 100), stop.Token);
        return 0;
    default:
        Console.Error.WriteLine($"unknown benchmark '{args[0]}': placement or forward");
        return 2;
}
