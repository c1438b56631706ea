namespace Platform.Runtime.Bundles;

/// <summary>Caps on an untrusted bundle, checked while it streams in, so a hostile upload cannot fill the disk.</summary>
public sealed record BundleLimits
{
    public static BundleLimits Default { get; } = new();

    /// <summary>The upload as sent (compressed or not).</summary>
    public long MaxCompressedBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Every byte of the tar stream after decompression, headers included.</summary>
    public long MaxUncompressedBytes { get; init; } = 1024L * 1024 * 1024;

    /// <summary>Files, directories and links together.</summary>
    public int MaxEntries { get; init; } = 100_000;
}
