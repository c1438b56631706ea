using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Platform.Web.Client;

namespace Platform.Web.Tests.Fakes;

/// <summary>
/// Behaves like the REST API's rules: unknown key 401; the tenant list answers every tenant to the admin and its
/// own to a tenant key; tenants and nodes are the admin's (403 for a tenant key); any other tenant's resources
/// 404; names are DNS labels (400); a duplicate tenant 409; an upload becomes the active version; activating a
/// missing version 404. <see cref="Down"/> makes every call fail as if nothing listened.
/// </summary>
internal sealed partial class FakePlatformApi : IPlatformApiClient
{
    public const string AdminKey = "admin-key";

    private readonly Dictionary<string, string> _tenantKeys = new();
    private readonly Dictionary<string, KeyInfo> _keyInfos = new();
    private readonly Dictionary<string, TenantData> _tenants = new();
    private readonly List<NodeInfo> _nodes = [new NodeInfo("node-1", "ready", false, 4096, 128, ["container"], 2, DateTimeOffset.UtcNow)];

    public bool Down { get; set; }

    public int Calls { get; private set; }

    public List<NodeInfo> Nodes => _nodes;

    /// <summary>What the gateway answers; by default 404 without an active version, else 200 echoing the request.</summary>
    public Func<FunctionInfo, InvocationRequest, InvocationResult>? Gateway { get; set; }

    public List<InvocationRequest> Invocations { get; } = [];

    public void AddTenant(string name, bool trusted = false) => _tenants.TryAdd(name, new TenantData(trusted));

    public bool IsTrusted(string tenant) => _tenants[tenant].Trusted;

    public void AddTenantKey(string key, string tenant)
    {
        _tenantKeys[key] = tenant;
        _keyInfos[key] = new KeyInfo(Guid.NewGuid(), "test", key[..Math.Min(8, key.Length)], DateTimeOffset.UtcNow, null);
    }

    /// <summary>The API's defaults for a new function.</summary>
    public static readonly FunctionSettingsInfo DefaultSettings = new(128, 1000, 30, 16, 0, 10, 300, 8080, new Dictionary<string, string>(), null, true, false, []);

    public TenantInfo Tenant(string tenant) => new(tenant, _tenants[tenant].Trusted, _tenants[tenant].Quotas);

    public IReadOnlyList<KeyInfo> KeysOf(string tenant) => _keyInfos.Where(k => _tenantKeys[k.Key] == tenant).Select(k => k.Value).ToList();

    public IReadOnlyCollection<string> SecretsOf(string tenant, string function) => Data(tenant, function).Secrets.Keys;

    public void AddAsyncInvocation(string tenant, string function, InvocationSummaryInfo invocation) =>
        Data(tenant, function).AsyncInvocations.Insert(0, invocation);

    private FunctionData Data(string tenant, string function) => _tenants[tenant].Functions.Single(f => f.Function.Name == function);

    public bool IsTenantKey(string key, string tenant) => _tenantKeys.TryGetValue(key, out var own) && own == tenant;

    public void RevokeKey(string key) => _tenantKeys.Remove(key);

    public void AddFunction(string tenant, FunctionInfo function, IEnumerable<VersionInfo> versions, IEnumerable<InstanceInfo> instances)
    {
        AddTenant(tenant);
        _tenants[tenant].Functions.Add(new FunctionData(function, versions.ToList(), instances.ToList()));
    }

    /// <summary>acme's "hello" with v1 and v2 (active), one instance, and the tenant key "acme-key".</summary>
    public void AddAcmeHello(InstanceInfo instance)
    {
        AddFunction(
            "acme",
            new FunctionInfo("hello", ActiveVersion: 2),
            [
                new VersionInfo(1, "sha256:" + new string('a', 64), 2048, DateTimeOffset.Parse("2025-01-01T10:00:00Z")),
                new VersionInfo(2, "sha256:" + new string('b', 64), 4096, DateTimeOffset.Parse("2025-01-02T10:00:00Z")),
            ],
            [instance]);
        AddTenantKey("acme-key", "acme");
    }

    /// <summary>A function's last hour as the API would answer it; functions without one answer zeros.</summary>
    public Dictionary<(string Tenant, string Function), MetricsSeries> Metrics { get; } = new();

    public static readonly DateTimeOffset MetricsStart = new(2026, 12, 3, 11, 0, 0, TimeSpan.Zero);

    public FunctionInfo Function(string tenant, string function) => _tenants[tenant].Functions.Single(f => f.Function.Name == function).Function;

    /// <summary>A line an instance of the function writes: every follower of its logs gets it.</summary>
    public void WriteLog(string tenant, string function, LogLineInfo line) =>
        _tenants[tenant].Functions.Single(f => f.Function.Name == function).Logs.Writer.TryWrite(line);

    public Task<IReadOnlyList<TenantInfo>> ListTenantsAsync(string key, CancellationToken cancellationToken)
    {
        var own = Check(key, tenant: null);
        IReadOnlyList<TenantInfo> list = _tenants
            .Where(t => own is null || t.Key == own)
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => Tenant(t.Key))
            .ToList();
        return Task.FromResult(list);
    }

    public Task<TenantInfo> CreateTenantAsync(string key, string name, bool trusted, CancellationToken cancellationToken)
    {
        Check(key, tenant: null, adminOnly: true);
        ValidName("name", name);
        if (!_tenants.TryAdd(name, new TenantData(trusted)))
        {
            throw new PlatformApiException(HttpStatusCode.Conflict, $"The API answered 409: tenant '{name}' already exists");
        }
        return Task.FromResult(Tenant(name));
    }

    public Task<TenantInfo> SetTenantTrustedAsync(string key, string tenant, bool trusted, CancellationToken cancellationToken)
    {
        Check(key, tenant, adminOnly: true);
        _tenants[tenant].Trusted = trusted;
        return Task.FromResult(Tenant(tenant));
    }

    public Task<TenantInfo> SetTenantQuotasAsync(string key, string tenant, TenantQuotasInfo quotas, CancellationToken cancellationToken)
    {
        Check(key, tenant, adminOnly: true);
        if (quotas.MaxFunctions < 0 || quotas.MaxInstances < 0 || quotas.MaxMemoryMiB < 0)
        {
            throw Invalid("quotas.maxFunctions", "must be between 0 and 100000");
        }
        _tenants[tenant].Quotas = quotas;
        return Task.FromResult(Tenant(tenant));
    }

    public Task DeleteTenantAsync(string key, string tenant, CancellationToken cancellationToken)
    {
        Check(key, tenant, adminOnly: true);
        _tenants.Remove(tenant);
        foreach (var own in _tenantKeys.Where(k => k.Value == tenant).Select(k => k.Key).ToList())
        {
            _tenantKeys.Remove(own);
            _keyInfos.Remove(own);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<KeyInfo>> ListKeysAsync(string key, string tenant, CancellationToken cancellationToken)
    {
        Check(key, tenant);
        return Task.FromResult(KeysOf(tenant));
    }

    public Task DeleteKeyAsync(string key, string tenant, Guid id, CancellationToken cancellationToken)
    {
        Check(key, tenant);
        var found = _keyInfos.FirstOrDefault(k => k.Value.Id == id && _tenantKeys[k.Key] == tenant);
        if (found.Key is null)
        {
            throw new PlatformApiException(HttpStatusCode.NotFound, "The API answered 404: key not found");
        }
        _keyInfos.Remove(found.Key);
        _tenantKeys.Remove(found.Key);
        return Task.CompletedTask;
    }

    public Task<CreatedKey> CreateKeyAsync(string key, string tenant, string name, CancellationToken cancellationToken)
    {
        Check(key, tenant);
        var secret = "pk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _tenantKeys[secret] = tenant;
        var info = new KeyInfo(Guid.NewGuid(), name, secret[..8], DateTimeOffset.UtcNow, null);
        _keyInfos[secret] = info;
        return Task.FromResult(new CreatedKey(info.Id, name, info.Prefix, secret));
    }

    public Task<IReadOnlyList<NodeInfo>> ListNodesAsync(string key, CancellationToken cancellationToken)
    {
        Check(key, tenant: null, adminOnly: true);
        return Task.FromResult<IReadOnlyList<NodeInfo>>(_nodes.ToList());
    }

    public Task<NodeInfo> ChangeNodeAsync(string key, string node, NodeAction action, CancellationToken cancellationToken)
    {
        Check(key, tenant: null, adminOnly: true);
        var index = _nodes.FindIndex(n => n.Id == node);
        if (index < 0)
        {
            throw new PlatformApiException(HttpStatusCode.NotFound, $"The API answered 404: node '{node}' not found");
        }
        _nodes[index] = _nodes[index] with { Cordoned = action != NodeAction.Uncordon, State = action == NodeAction.Drain ? "draining" : _nodes[index].State };
        return Task.FromResult(_nodes[index]);
    }

    public Task<IReadOnlyList<FunctionInfo>> ListFunctionsAsync(string key, string tenant, CancellationToken cancellationToken)
    {
        Check(key, tenant);
        IReadOnlyList<FunctionInfo> list = _tenants[tenant].Functions.Select(f => f.Function).ToList();
        return Task.FromResult(list);
    }

    public Task<FunctionInfo> GetFunctionAsync(string key, string tenant, string function, CancellationToken cancellationToken) =>
        Task.FromResult(Find(key, tenant, function).Function);

    public Task<FunctionInfo> CreateFunctionAsync(string key, string tenant, string function, CancellationToken cancellationToken)
    {
        Check(key, tenant);
        ValidName("function", function);
        var existing = _tenants[tenant].Functions.FirstOrDefault(f => f.Function.Name == function);
        if (existing is null)
        {
            existing = new FunctionData(new FunctionInfo(function, null), [], []);
            _tenants[tenant].Functions.Add(existing);
        }
        return Task.FromResult(existing.Function);
    }

    public Task<FunctionInfo> UpdateFunctionAsync(string key, string tenant, string function, FunctionSettingsInfo settings, CancellationToken cancellationToken)
    {
        var found = Find(key, tenant, function);
        var errors = new Dictionary<string, string[]>();
        if (settings.MemoryMiB is < 16 or > 65536)
        {
            errors["memoryMiB"] = ["must be between 16 and 65536"];
        }
        if (settings.MinInstances > settings.MaxInstances)
        {
            errors["minInstances"] = ["must not be larger than maxInstances"];
        }
        foreach (var name in settings.Env.Keys.Where(n => !EnvName().IsMatch(n) || n == "PORT"))
        {
            errors[$"env.{name}"] = ["a variable name is letters, digits and '_', not starting with a digit"];
        }
        if (errors.Count > 0)
        {
            throw new PlatformApiException(HttpStatusCode.BadRequest,
                "The API answered 400: " + string.Join("; ", errors.Select(e => $"{e.Key} {e.Value[0]}")), fieldErrors: errors);
        }
        found.Function = found.Function with { Settings = settings with { Isolation = settings.Isolation is "" ? null : settings.Isolation, Secrets = [.. found.Secrets.Keys] } };
        RollOut(found);
        return Task.FromResult(found.Function);
    }

    public Task<FunctionInfo> SetTrafficAsync(string key, string tenant, string function, IReadOnlyDictionary<int, int> traffic, CancellationToken cancellationToken)
    {
        var found = Find(key, tenant, function);
        if (traffic.Count > 0 && traffic.Values.Sum() != 100)
        {
            throw Invalid("traffic", $"the weights must sum to 100 (they sum to {traffic.Values.Sum()})");
        }
        found.Function = found.Function with { Traffic = traffic.Count == 0 ? null : traffic.ToDictionary() };
        return Task.FromResult(found.Function);
    }

    public Task DeleteFunctionAsync(string key, string tenant, string function, CancellationToken cancellationToken)
    {
        var found = Find(key, tenant, function);
        _tenants[tenant].Functions.Remove(found);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SecretInfo>> ListSecretsAsync(string key, string tenant, string function, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SecretInfo>>(Find(key, tenant, function).Secrets.Select(s => new SecretInfo(s.Key, s.Value)).ToList());

    public Task SetSecretAsync(string key, string tenant, string function, string name, string value, CancellationToken cancellationToken)
    {
        var found = Find(key, tenant, function);
        if (!EnvName().IsMatch(name) || name == "PORT")
        {
            throw new PlatformApiException(HttpStatusCode.BadRequest, $"The API answered 400: secret name '{name}' must be an environment variable name, not PORT");
        }
        found.Secrets[name] = DateTimeOffset.UtcNow;
        RollOut(found);
        return Task.CompletedTask;
    }

    public Task DeleteSecretAsync(string key, string tenant, string function, string name, CancellationToken cancellationToken)
    {
        var found = Find(key, tenant, function);
        if (!found.Secrets.Remove(name))
        {
            throw new PlatformApiException(HttpStatusCode.NotFound, $"The API answered 404: secret '{name}' not found");
        }
        RollOut(found);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<InvocationSummaryInfo>> ListInvocationsAsync(string key, string tenant, string function, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<InvocationSummaryInfo>>(Find(key, tenant, function).AsyncInvocations.ToList());

    // As the API does: a change to a deployed function's settings or secrets is a new version of the same bundle, and active.
    private static void RollOut(FunctionData found)
    {
        found.Function = found.Function with { Settings = found.Function.Settings! with { Secrets = [.. found.Secrets.Keys] } };
        if (found.Versions.Count > 0)
        {
            var last = found.Versions[^1];
            found.Versions.Add(last with { Version = last.Version + 1, CreatedAt = DateTimeOffset.UtcNow });
            found.Function = found.Function with { ActiveVersion = last.Version + 1, Traffic = null };
        }
    }

    private static PlatformApiException Invalid(string field, string message) =>
        new(HttpStatusCode.BadRequest, $"The API answered 400: {field} {message}", fieldErrors: new Dictionary<string, string[]> { [field] = [message] });

    public Task<IReadOnlyList<VersionInfo>> ListVersionsAsync(string key, string tenant, string function, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<VersionInfo>>(Find(key, tenant, function).Versions.ToList());

    public async Task<VersionInfo> UploadVersionAsync(
        string key, string tenant, string function, Stream bundle, string fileName, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var found = Find(key, tenant, function);
        using var bytes = new MemoryStream();
        await bundle.CopyToAsync(bytes, cancellationToken);
        progress?.Report(bytes.Length);
        if (bytes.Length == 0)
        {
            throw new PlatformApiException(HttpStatusCode.BadRequest, "The API answered 400: the bundle is empty");
        }
        var version = new VersionInfo(
            found.Versions.Count + 1, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray())), bytes.Length, DateTimeOffset.UtcNow);
        found.Versions.Add(version);
        found.Function = found.Function with { ActiveVersion = version.Version };
        return version;
    }

    public Task<FunctionInfo> ActivateVersionAsync(string key, string tenant, string function, int version, CancellationToken cancellationToken)
    {
        var found = Find(key, tenant, function);
        if (found.Versions.All(v => v.Version != version))
        {
            throw new PlatformApiException(HttpStatusCode.NotFound, $"The API answered 404: function '{function}' has no version {version}");
        }
        found.Function = found.Function with { ActiveVersion = version };
        return Task.FromResult(found.Function);
    }

    public Task<IReadOnlyList<InstanceInfo>> ListInstancesAsync(string key, string tenant, string function, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<InstanceInfo>>(Find(key, tenant, function).Instances);

    public Task<TenantMetrics> GetMetricsAsync(string key, string tenant, CancellationToken cancellationToken)
    {
        Check(key, tenant);
        var functions = _tenants[tenant].Functions.Select(f => f.Function.Name).Order(StringComparer.Ordinal)
            .Select(f => new FunctionMetrics(f, Metrics.GetValueOrDefault((tenant, f)) ?? Series(new long[60], new double?[60], 0)))
            .ToList();
        var total = functions.Count == 0 ? Series(new long[60], new double?[60], 0) : new MetricsSeries(
            Sum(functions, s => s.Invocations), Sum(functions, s => s.PerSecond), Sum(functions, s => s.Errors), Sum(functions, s => s.ColdStarts),
            Enumerable.Range(0, 60).Select(i => functions.Max(f => f.Series.P50Ms[i])).ToList(),
            Enumerable.Range(0, 60).Select(i => functions.Max(f => f.Series.P99Ms[i])).ToList());
        return Task.FromResult(new TenantMetrics(tenant, MetricsStart, 60, total, functions));
    }

    /// <summary>A minute series: <paramref name="invocations"/>, the same as errors divided by <paramref name="errorEvery"/> (0: none), p50 as given and p99 twice it.</summary>
    public static MetricsSeries Series(long[] invocations, double?[] p50, int errorEvery) => new(
        invocations, invocations.Select(n => n / 60.0).ToList(), invocations.Select(n => errorEvery == 0 ? 0 : n / errorEvery).ToList(),
        invocations.Select(n => n > 0 ? 1L : 0L).ToList(), p50, p50.Select(p => p * 2).ToList());

    private static List<T> Sum<T>(List<FunctionMetrics> functions, Func<MetricsSeries, IReadOnlyList<T>> series) where T : System.Numerics.INumber<T> =>
        Enumerable.Range(0, 60).Select(i => functions.Aggregate(T.Zero, (sum, f) => sum + series(f.Series)[i])).ToList();

    public async IAsyncEnumerable<LogLineInfo> FollowLogsAsync(
        string key, string tenant, string function, int tail, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var logs = Find(key, tenant, function).Logs.Reader;
        while (await logs.WaitToReadAsync(cancellationToken))
        {
            while (logs.TryRead(out var line))
            {
                yield return line;
            }
        }
    }

    public Task<InvocationResult> InvokeAsync(string key, string tenant, string function, InvocationRequest request, CancellationToken cancellationToken)
    {
        // The gateway does not check the key of a public function; a missing function or version is its 404.
        if (Down)
        {
            throw new PlatformApiException(null, "Could not connect to http://127.0.0.1:1: Connection refused");
        }
        Invocations.Add(request);
        var found = _tenants.GetValueOrDefault(tenant)?.Functions.FirstOrDefault(f => f.Function.Name == function);
        if (found?.Function is not { ActiveVersion: not null } active)
        {
            return Task.FromResult(new InvocationResult(404, "Not Found", [KeyValuePair.Create("Content-Type", "application/problem+json")],
                $$"""{"detail":"function '{{function}}' of tenant '{{tenant}}' does not exist or has no active version"}""", false, TimeSpan.FromMilliseconds(3)));
        }
        return Task.FromResult(Gateway?.Invoke(active, request)
            ?? new InvocationResult(200, "OK", [KeyValuePair.Create("Content-Type", "text/plain")], $"{request.Method} {request.Path} {request.Body}", false, TimeSpan.FromMilliseconds(12)));
    }

    private FunctionData Find(string key, string tenant, string function)
    {
        Check(key, tenant);
        return _tenants[tenant].Functions.FirstOrDefault(f => f.Function.Name == function)
            ?? throw new PlatformApiException(HttpStatusCode.NotFound, "The API answered 404: function not found.");
    }

    private static void ValidName(string field, string name)
    {
        if (!DnsLabel().IsMatch(name))
        {
            throw new PlatformApiException(HttpStatusCode.BadRequest, $"The API answered 400: {field} must be 1-63 characters of lowercase a-z, 0-9 and '-'");
        }
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvName();

    /// <returns>The key's tenant; null for the admin key.</returns>
    private string? Check(string key, string? tenant, bool adminOnly = false)
    {
        Calls++;
        if (Down)
        {
            throw new PlatformApiException(null, "Could not connect to http://127.0.0.1:1: Connection refused");
        }

        if (key == AdminKey)
        {
            if (tenant is not null && !_tenants.ContainsKey(tenant))
            {
                throw new PlatformApiException(HttpStatusCode.NotFound, "The API answered 404: tenant not found.");
            }

            return null;
        }

        if (!_tenantKeys.TryGetValue(key, out var own))
        {
            throw new PlatformApiException(HttpStatusCode.Unauthorized, "The API answered 401: invalid key.");
        }

        if (adminOnly)
        {
            throw new PlatformApiException(HttpStatusCode.Forbidden, "The API answered 403: this key may not use this endpoint.");
        }

        if (tenant is not null && tenant != own)
        {
            throw new PlatformApiException(HttpStatusCode.NotFound, "The API answered 404: not found.");
        }

        return own;
    }

    private sealed class TenantData(bool trusted)
    {
        public bool Trusted { get; set; } = trusted;
        public TenantQuotasInfo Quotas { get; set; } = new(100, 50, 8192);
        public List<FunctionData> Functions { get; } = [];
    }

    private sealed class FunctionData(FunctionInfo function, List<VersionInfo> versions, List<InstanceInfo> instances)
    {
        public FunctionInfo Function { get; set; } = function with { Settings = function.Settings ?? DefaultSettings };
        public Dictionary<string, DateTimeOffset> Secrets { get; } = new();
        public List<InvocationSummaryInfo> AsyncInvocations { get; } = [];
        public List<VersionInfo> Versions { get; } = versions;
        public List<InstanceInfo> Instances { get; } = instances;
        public Channel<LogLineInfo> Logs { get; } = Channel.CreateUnbounded<LogLineInfo>();
    }
}
