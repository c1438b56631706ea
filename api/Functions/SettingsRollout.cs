using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Apis;
using Platform.Api.Infrastructure;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Functions;

/// <summary>
/// A change of a function's settings or secrets: saved with a new version of the active bundle (a version is
/// immutable), which is activated and announced, so running instances are replaced by ones that see the change.
/// </summary>
internal static class SettingsRollout
{
    /// <returns>The version it rolled out as (null while nothing is active), or the 409 to answer when a concurrent change took the next number.</returns>
    public static async Task<(int? Version, ProblemHttpResult? Conflict)> SaveAsync(
        PlatformDbContext db, Tenant tenant, Function function, FunctionSettings settings, CancellationToken cancellationToken)
    {
        function.Settings = settings;
        function.UpdatedAt = DateTimeOffset.UtcNow;
        FunctionVersion? activated = await VersionNumbers.AddFromActiveAsync(db, function, cancellationToken);
        if (activated is not null)
        {
            db.Enqueue(FunctionEvents.Activated(tenant, function, activated));
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return (null, ApiProblems.Conflict($"'{tenant.Name}/{function.Name}' changed concurrently (another version took the next number); retry"));
        }
        return (activated?.Number, null);
    }
}
