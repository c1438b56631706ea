using Platform.Runtime.Bundles;

namespace Platform.Runtime.Tests.Fuzz;

/// <summary>
/// Replays the seed corpus (Fuzz/Corpus): hand-made hostile bundles and configs, and every input the properties
/// once failed on, each held to the same rule as the generated cases: a result or a typed error, nothing outside.
/// </summary>
public sealed class CorpusReplay : IDisposable
{
    private static readonly string Corpus = Path.Join(AppContext.BaseDirectory, "Fuzz", "Corpus");
    private readonly Sandbox _sandbox = new();

    public static TheoryData<string> Bundles() => [.. Files("bundles")];

    public static TheoryData<string> Configs() => [.. Files("configs")];

    [Theory]
    [MemberData(nameof(Bundles))]
    public void Bundle_from_the_corpus_unpacks_or_is_refused_with_a_typed_error(string file)
    {
        byte[] archive = File.ReadAllBytes(Path.Join(Corpus, "bundles", file));
        BundleException? extracted = BundleOutcome.Extract(_sandbox, archive);
        BundleException? stored = BundleOutcome.Store(_sandbox, archive);
        if (file.StartsWith("valid", StringComparison.Ordinal))
        {
            Assert.Null(extracted);
            Assert.Null(stored);
        }
        if (file is "symlink-out-then-write-through.tar" or "dot-dot.tar" or "absolute-path.tar" or "hard-link-out.tar"
            or "character-device.tar" or "long-name-component.tar" or "long-path.tar")
        {
            Assert.Equal(BundleErrorKind.Malformed, extracted?.Kind);
        }
        if (file == "gzip-bomb.tar.gz")
        {
            Assert.Equal(BundleErrorKind.TooLarge, extracted?.Kind);
        }
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Config_from_the_corpus_reads_as_a_spec_or_a_typed_error(string file)
    {
        string bundle = _sandbox.NewTarget();
        Directory.CreateDirectory(Path.Join(bundle, "rootfs"));
        SpecOutcome.Check(File.ReadAllBytes(Path.Join(Corpus, "configs", file)), bundle);
        Directory.Delete(bundle, recursive: true);
    }

    private static IEnumerable<string> Files(string kind) =>
        Directory.GetFiles(Path.Join(Corpus, kind)).Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    public void Dispose() => _sandbox.Dispose();
}
