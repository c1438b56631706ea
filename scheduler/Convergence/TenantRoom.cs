using Microsoft.EntityFrameworkCore;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Scheduler.Convergence;

/// <summary>
/// What a tenant may still start under its quotas while one of its functions scales: its instance and memory
/// quotas less what its placed instances hold. Instances waiting for a node hold nothing. The function's own
/// instances of versions it is replacing do not count, so a deploy or rollback at the quota can roll over
/// (for a moment the tenant runs old and new side by side, as a surge).
/// </summary>
internal sealed class TenantRoom
{
    private readonly TenantQuotas _quotas;
    private readonly string _tenant;

    private TenantRoom(string tenant, TenantQuotas quotas, int instances, long memoryMiB)
    {
        _tenant = tenant;
        _quotas = quotas;
        Instances = instances;
        MemoryMiB = memoryMiB;
    }

    public int Instances { get; private set; }
    public long MemoryMiB { get; private set; }

    public bool Fits(int memoryMiB) => Instances >= 1 && MemoryMiB >= memoryMiB;

    public void Take(int memoryMiB)
    {
        Instances--;
        MemoryMiB -= memoryMiB;
    }

    /// <summary>The instance's reason while it waits (prefixed with <see cref="Instance.WaitingForQuota"/>).</summary>
    public string Reason(int memoryMiB) =>
        $"{Instance.WaitingForQuota}: tenant '{_tenant}' holds {_quotas.MaxInstances - Instances} of its {_quotas.MaxInstances} instances "
        + $"and {_quotas.MaxMemoryMiB - MemoryMiB} of its {_quotas.MaxMemoryMiB} MiB; another needs {memoryMiB} MiB";

    /// <param name="serving">The function's placed instances of the versions it serves now, with their memory.</param>
    public static async Task<TenantRoom?> ForAsync(PlatformDbContext db, Function function, IEnumerable<(Instance Instance, int MemoryMiB)> serving, CancellationToken cancellationToken)
    {
        if (function.Tenant is not { } tenant)
        {
            return null;
        }

        var others = await db.Functions.Where(f => f.TenantId == tenant.Id && f.Id != function.Id).Select(f => f.Id).ToListAsync(cancellationToken);
        var held = await db.Instances
            .Where(InstanceStates.IsActive)
            .Where(i => i.NodeId != null && others.Contains(i.FunctionId))
            .Select(i => new { i.FunctionId, i.VersionNumber })
            .ToListAsync(cancellationToken);
        var memory = held.Count == 0
            ? []
            : (await db.FunctionVersions.AsNoTracking().Where(v => others.Contains(v.FunctionId)).ToListAsync(cancellationToken))
                .ToDictionary(v => (v.FunctionId, v.Number), v => v.Settings.MemoryMiB);
        var mine = serving.Where(s => s.Instance.NodeId is not null).ToList();
        var instances = held.Count + mine.Count;
        var memoryMiB = held.Sum(i => (long)memory.GetValueOrDefault((i.FunctionId, i.VersionNumber))) + mine.Sum(s => (long)s.MemoryMiB);
        return new TenantRoom(tenant.Name, tenant.Quotas, tenant.Quotas.MaxInstances - instances, tenant.Quotas.MaxMemoryMiB - memoryMiB);
    }
}
