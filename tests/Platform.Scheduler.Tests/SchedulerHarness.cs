using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Scheduler.Convergence;
using Platform.Scheduler.Liveness;
using Platform.Scheduler.Placement;
using Platform.Scheduler.Scaling;

namespace Platform.Scheduler.Tests;

/// <summary>The scheduler's services over a real (in-memory) SQLite database with the platform's model, and a recorder for node commands.</summary>
internal sealed class SchedulerHarness : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Dictionary<Guid, DateTimeOffset?> _lastRequests = [];

    public SchedulerHarness(SchedulerOptions? options = null)
    {
        _connection = new SqliteConnection("DataSource=:memory:");
        _connection.Open();
        var events = new InstanceEventsInterceptor(Clock);
        Db = new PlatformDbContext(new DbContextOptionsBuilder<PlatformDbContext>().UseSqlite(_connection).AddInterceptors(events).Options);
        Db.Database.EnsureCreated();
        var wrapped = Options.Create(options ?? new SchedulerOptions());
        Autoscaler = new ConcurrencyAutoscaler(Activity, wrapped, Clock);
        Converger = new FunctionConverger(Db, Commands, new LeastAllocatedPlacementPolicy(), Activity, Autoscaler, wrapped, Clock, NullLogger<FunctionConverger>.Instance);
        Recorder = new InstanceStatusRecorder(Db, Converger, Commands, Clock, NullLogger<InstanceStatusRecorder>.Instance);
        Arrivals = new HeartbeatArrivals(Clock);
        Registry = new NodeRegistry(Db, Converger, Commands, Arrivals, wrapped, Clock, NullLogger<NodeRegistry>.Instance);
    }

    public PlatformDbContext Db { get; }
    public RecordingNodeCommands Commands { get; } = new();

    /// <summary>What the scheduler wrote to the outbox for the gateways (InstanceReady, InstanceGone), in order.</summary>
    public IReadOnlyList<object> Events => Db.Outbox.AsNoTracking().OrderBy(m => m.Id).AsEnumerable()
        .Select(m => m.Read().Message)
        .Where(m => m is InstanceReady or InstanceGone)
        .ToList();
    public ManualClock Clock { get; } = new();
    /// <summary>What heartbeats told of the instances' requests (scale in reads it).</summary>
    public InstanceActivityTracker Activity { get; } = new();
    /// <summary>Heartbeats the consumer received, before the scheduler got to them.</summary>
    public HeartbeatArrivals Arrivals { get; }
    public ConcurrencyAutoscaler Autoscaler { get; }
    public FunctionConverger Converger { get; }
    public InstanceStatusRecorder Recorder { get; }
    public NodeRegistry Registry { get; }

    public async Task<Node> AddNodeAsync(string id, int memoryMiB = 4096, NodeState state = NodeState.Ready, bool cordoned = false, string backends = "container")
    {
        var node = new Node { Id = id, MemoryMiB = memoryMiB, Cpus = 2, State = state, Cordoned = cordoned, Backends = backends, LastHeartbeat = Clock.GetUtcNow() };
        Db.Nodes.Add(node);
        await Db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return node;
    }

    /// <summary>
    /// A function with <paramref name="versions"/> versions (digests "sha256:" + n repeated), version 1 active, of a
    /// trusted tenant (containers) unless <paramref name="trusted"/> is false.
    /// </summary>
    /// <summary>A function with the default settings, activated: the scheduler has converged it once (its instances placed).</summary>
    public async Task<Function> DeployAsync()
    {
        var function = await AddFunctionAsync();
        await Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);
        return function;
    }

    public async Task<Function> AddFunctionAsync(int minInstances = 1, int maxInstances = 10, int memoryMiB = 128, int versions = 1, bool trusted = true, string? isolation = null,
        int concurrency = 16, int idleSeconds = 300, double targetUtilization = 0.7, Tenant? tenant = null, TenantQuotas? quotas = null, string name = "echo")
    {
        var newTenant = tenant is null;
        tenant ??= new Tenant { Name = "t" + Guid.NewGuid().ToString("N")[..8], Trusted = trusted, Quotas = quotas ?? new TenantQuotas() };
        var function = new Function
        {
            TenantId = tenant.Id,
            Tenant = tenant,
            Name = name,
            Settings = new FunctionSettings { MinInstances = minInstances, MaxInstances = maxInstances, MemoryMiB = memoryMiB, Concurrency = concurrency, IdleSeconds = idleSeconds, TargetUtilization = targetUtilization },
            ActiveVersion = 1,
        };
        for (var n = 1; n <= versions; n++)
        {
            function.Versions.Add(new FunctionVersion
            {
                Number = n,
                Digest = Digest(n),
                Settings = new FunctionSettings { MinInstances = minInstances, MaxInstances = maxInstances, MemoryMiB = memoryMiB, Concurrency = concurrency, IdleSeconds = idleSeconds, Isolation = isolation, Env = { ["V"] = n.ToString() } },
            });
        }

        if (newTenant)
        {
            Db.Tenants.Add(tenant);
        }
        Db.Functions.Add(function);
        await Db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return function;
    }

    public static string Digest(int version) => "sha256:" + new string((char)('0' + version % 10), 64);

    public async Task ActivateAsync(Function function, int version)
    {
        function.Activate(version);
        await Db.SaveChangesAsync(TestContext.Current.CancellationToken);
        await Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);
    }

    /// <summary>Splits the function's traffic (version → percent) and converges, as a PUT of <c>traffic</c> does.</summary>
    public async Task SplitAsync(Function function, Dictionary<int, int> weights)
    {
        function.Traffic = new TrafficSplit();
        foreach (var (version, weight) in weights)
        {
            function.Traffic[version] = weight;
        }
        await Db.SaveChangesAsync(TestContext.Current.CancellationToken);
        await Converger.ConvergeAsync(function.Id, waiting: 0, TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// Node n1's heartbeats for <paramref name="duration"/>, one every 2 s, each saying <paramref name="inFlight"/>
    /// of the running instances (spread evenly) serve now; the clock moves on with them.
    /// </summary>
    public async Task LoadAsync(Guid functionId, int inFlight, TimeSpan duration)
    {
        var running = (await InstancesAsync(functionId)).Where(i => i.State == InstanceState.Running).Select(i => i.Id).ToList();
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += TimeSpan.FromSeconds(2))
        {
            Clock.Advance(TimeSpan.FromSeconds(2));
            var now = Clock.GetUtcNow();
            var activity = new List<InstanceActivity>();
            for (var n = 0; n < running.Count; n++)
            {
                var share = inFlight / running.Count + (n < inFlight % running.Count ? 1 : 0);
                // An instance serving nothing at a heartbeat last served when it last had a request in flight.
                var last = share > 0 ? now : _lastRequests.GetValueOrDefault(running[n]);
                _lastRequests[running[n]] = last;
                activity.Add(new InstanceActivity(running[n], share, last));
            }
            Activity.Record(new NodeHeartbeat("n1", null, 4096, 0, 2, running, now, null, activity));
        }
    }

    public Task ReportAsync(Guid instanceId, string nodeId, string state, string? error = null) =>
        Recorder.ApplyAsync(new InstanceStatusChanged(instanceId, nodeId, state, error, Clock.GetUtcNow()), TestContext.Current.CancellationToken);

    /// <summary>Reports every started instance Running, as a healthy node would.</summary>
    public async Task RunAllStartedAsync()
    {
        foreach (var start in Commands.Started.ToList())
        {
            await ReportAsync(start.InstanceId, start.NodeId, "Running");
        }
    }

    public Task<List<Instance>> InstancesAsync(Guid functionId) =>
        Db.Instances.Where(i => i.FunctionId == functionId).AsNoTracking().ToListAsync();

    public async ValueTask DisposeAsync()
    {
        await Db.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
