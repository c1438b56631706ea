using System.ComponentModel.DataAnnotations;
using Platform.Runtime.Bundles;

namespace Platform.Api.Options;

/// <summary>"Platform:Bundles": caps on uploaded bundles.</summary>
public sealed class BundleOptions
{
    public const string SectionName = "Platform:Bundles";

    /// <summary>The upload as sent (compressed); past it: 413.</summary>
    [Range(1, long.MaxValue)]
    public long MaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>The tar after decompression; past it (a decompression bomb): 413.</summary>
    [Range(1, long.MaxValue)]
    public long MaxUncompressedBytes { get; set; } = 1024L * 1024 * 1024;

    [Range(1, int.MaxValue)]
    public int MaxEntries { get; set; } = 100_000;

    public BundleLimits ToLimits() => new()
    {
        MaxCompressedBytes = MaxBytes,
        MaxUncompressedBytes = MaxUncompressedBytes,
        MaxEntries = MaxEntries,
    };
}
