using Microsoft.EntityFrameworkCore;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Functions;

/// <summary>Checks a function's settings against its tenant's quotas; answers why not, or null.</summary>
internal static class TenantQuotaCheck
{
    public static async Task<string?> CheckAsync(PlatformDbContext db, Tenant tenant, Guid? functionId, FunctionSettings settings, CancellationToken cancellationToken)
    {
        TenantQuotas quotas = tenant.Quotas;
        if (settings.MaxInstances > quotas.MaxInstances)
        {
            return $"maxInstances {settings.MaxInstances} is over the tenant's quota of {quotas.MaxInstances} instances";
        }
        List<FunctionSettings> others = await db.Functions.AsNoTracking()
            .Where(f => f.TenantId == tenant.Id && f.Id != functionId)
            .Select(f => f.Settings)
            .ToListAsync(cancellationToken);
        long reservedMemory = others.Sum(o => (long)o.MinInstances * o.MemoryMiB) + (long)settings.MinInstances * settings.MemoryMiB;
        if (reservedMemory > quotas.MaxMemoryMiB)
        {
            return $"minInstances × memoryMiB over all functions would be {reservedMemory} MiB, over the tenant's quota of {quotas.MaxMemoryMiB} MiB";
        }
        int minInstances = others.Sum(o => o.MinInstances) + settings.MinInstances;
        if (minInstances > quotas.MaxInstances)
        {
            return $"minInstances over all functions would be {minInstances}, over the tenant's quota of {quotas.MaxInstances} instances";
        }
        return null;
    }
}
