namespace Platform.Runtime.Tests.Fuzz;

/// <summary>
/// The replay seed of the deterministic runs (FsCheck's "(seed,gamma)"), so CI sees the same cases every time;
/// the random-seed twins add new cases on each run, and FsCheck prints the seed of any failure to replay it here.
/// </summary>
internal static class FuzzSeeds
{
    public const string Fixed = "(15299239483941107817,7381962378292961103)";
}
