using Microsoft.EntityFrameworkCore;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Apis;

/// <summary>Adds the next version of a function (numbers start at 1, never reused while the function exists).</summary>
internal static class VersionNumbers
{
    /// <summary>Adds (unsaved) the next version with the function's current settings; the unique (function, number) index catches a concurrent upload.</summary>
    public static async Task<FunctionVersion> AddAsync(PlatformDbContext db, Function function, string digest, long size, CancellationToken cancellationToken)
    {
        int last = await db.FunctionVersions.Where(v => v.FunctionId == function.Id).MaxAsync(v => (int?)v.Number, cancellationToken) ?? 0;
        var version = new FunctionVersion
        {
            FunctionId = function.Id,
            Number = last + 1,
            Digest = digest,
            SizeBytes = size,
            Settings = new FunctionSettings
            {
                MemoryMiB = function.Settings.MemoryMiB,
                CpuMillis = function.Settings.CpuMillis,
                TimeoutSeconds = function.Settings.TimeoutSeconds,
                Concurrency = function.Settings.Concurrency,
                MinInstances = function.Settings.MinInstances,
                MaxInstances = function.Settings.MaxInstances,
                Port = function.Settings.Port,
                Env = new Dictionary<string, string>(function.Settings.Env),
                Isolation = function.Settings.Isolation,
                Public = function.Settings.Public,
            },
        };
        db.FunctionVersions.Add(version);
        return version;
    }
}
