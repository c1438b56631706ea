using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Platform.Runtime.Tests.Fuzz;

/// <summary>
/// Generated config.json bytes against the spec reader, the validator and the bundle's config check: a spec or a
/// typed error, never a NullReferenceException, InvalidCastException, OverflowException or the like.
/// </summary>
public sealed class SpecReaderProperties : IDisposable
{
    private readonly string _bundle = Directory.CreateTempSubdirectory("platform-fuzz-spec-").FullName;

    public SpecReaderProperties() => Directory.CreateDirectory(Path.Join(_bundle, "rootfs"));

    [Property(MaxTest = 600, Replay = FuzzSeeds.Fixed)]
    public Property Config_reads_as_a_spec_or_a_typed_error() => Reads();

    [Property(MaxTest = 300)]
    public Property Config_reads_as_a_spec_or_a_typed_error_random_seed() => Reads();

    private Property Reads() => Prop.ForAll(SpecInputs.Any().ToArbitrary(), config => { SpecOutcome.Check(config.Bytes, _bundle); });

    public void Dispose() => Directory.Delete(_bundle, recursive: true);
}
