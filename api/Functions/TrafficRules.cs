using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Functions;

/// <summary>
/// Checks a requested traffic split (`"traffic": {"1": 90, "2": 10}`): existing versions of the function, whole
/// percents summing to 100. `{}` ends a split. Errors are keyed by JSON field.
/// </summary>
internal static class TrafficRules
{
    public const int MaxVersions = 10;

    public static async Task<(TrafficSplit? Split, Dictionary<string, string[]>? Errors)> ParseAsync(
        PlatformDbContext db, Function function, Dictionary<string, int> requested, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var split = new TrafficSplit();
        if (requested.Count > MaxVersions)
        {
            errors["traffic"] = [$"at most {MaxVersions} versions"];
            return (null, errors);
        }
        foreach ((string key, int percent) in requested)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int version) || version < 1)
            {
                errors[$"traffic.{key}"] = ["a key is a version number"];
            }
            else if (percent is < 0 or > 100)
            {
                errors[$"traffic.{key}"] = ["a weight is a percent, 0 to 100"];
            }
            else if (percent > 0)
            {
                split[version] = percent;
            }
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        if (requested.Count == 0)
        {
            return (split, null);
        }
        if (split.Values.Sum() != 100)
        {
            errors["traffic"] = [$"the weights must sum to 100 (they sum to {split.Values.Sum()})"];
            return (null, errors);
        }
        List<int> wanted = [.. split.Keys];
        List<int> existing = await db.FunctionVersions.Where(v => v.FunctionId == function.Id && wanted.Contains(v.Number))
            .Select(v => v.Number).ToListAsync(cancellationToken);
        foreach (int missing in wanted.Except(existing))
        {
            errors[$"traffic.{missing}"] = [$"version {missing} does not exist"];
        }
        return errors.Count > 0 ? (null, errors) : (split, null);
    }
}
