using Microsoft.EntityFrameworkCore;
using Platform.Api.Functions;
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
            // A copy, so later changes to the function never reach this version.
            Settings = FunctionSettingsRules.Copy(function.Settings),
        };
        db.FunctionVersions.Add(version);
        return version;
    }

    /// <summary>
    /// Adds (unsaved) a version with the active version's bundle and the function's current settings, and makes
    /// it active: how a settings or secrets change rolls out (a version is immutable). Null when none is active.
    /// </summary>
    public static async Task<FunctionVersion?> AddFromActiveAsync(PlatformDbContext db, Function function, CancellationToken cancellationToken)
    {
        if (function.ActiveVersion is not { } active)
        {
            return null;
        }
        FunctionVersion current = await db.FunctionVersions.AsNoTracking()
            .SingleAsync(v => v.FunctionId == function.Id && v.Number == active, cancellationToken);
        FunctionVersion added = await AddAsync(db, function, current.Digest, current.SizeBytes, cancellationToken);
        function.Activate(added.Number);
        return added;
    }
}
