using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Platform.Runtime.Tests.Fuzz;

/// <summary>
/// Hostile uploads against the bundle reader (<see cref="Runtime.Bundles.BundleExtractor"/>) and the store around it:
/// each either succeeds or is refused with a BundleException, in time, without touching anything outside.
/// Each property runs once with the fixed seed (the same cases every CI run) and once with a random one.
/// </summary>
public sealed class BundleReaderProperties : IDisposable
{
    private readonly Sandbox _sandbox = new();

    [Property(MaxTest = 250, Replay = FuzzSeeds.Fixed)]
    public Property Extractor_unpacks_or_refuses_with_a_typed_error() => Extracts();

    [Property(MaxTest = 100)]
    public Property Extractor_unpacks_or_refuses_with_a_typed_error_random_seed() => Extracts();

    [Property(MaxTest = 150, Replay = FuzzSeeds.Fixed)]
    public Property Store_adds_all_or_nothing() => Stores();

    [Property(MaxTest = 60)]
    public Property Store_adds_all_or_nothing_random_seed() => Stores();

    private Property Extracts() =>
        Prop.ForAll(HostileTars.Any(_sandbox.Outside).ToArbitrary(), archive => { BundleOutcome.Extract(_sandbox, archive.Bytes); });

    private Property Stores() =>
        Prop.ForAll(HostileTars.Any(_sandbox.Outside).ToArbitrary(), archive => { BundleOutcome.Store(_sandbox, archive.Bytes); });

    public void Dispose() => _sandbox.Dispose();
}
