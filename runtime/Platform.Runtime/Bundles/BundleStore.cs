using System.Security.Cryptography;

namespace Platform.Runtime.Bundles;

/// <summary>
/// A digest-addressed bundle store under one directory: <c>blobs/sha256/&lt;hex&gt;</c> (the tar as uploaded) and
/// <c>bundles/sha256/&lt;hex&gt;/</c> (unpacked and checked). Work happens in <c>tmp/</c> and is renamed into
/// place, so a digest's directory is either complete or absent; adding a digest already present is a no-op.
/// Used by the api for uploads and by node agents as their cache.
/// </summary>
public sealed class BundleStore
{
    private const string Sha256Prefix = "sha256:";
    private readonly BundleLimits _limits;

    public BundleStore(string rootDirectory, BundleLimits limits)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        RootDirectory = Path.GetFullPath(rootDirectory);
        _limits = limits;
    }

    public string RootDirectory { get; }

    private string BundlesDirectory => Path.Join(RootDirectory, "bundles", "sha256");
    private string BlobsDirectory => Path.Join(RootDirectory, "blobs", "sha256");
    private string TempDirectory => Path.Join(RootDirectory, "tmp");

    /// <summary>
    /// Streams <paramref name="upload"/> to disk while hashing it (capped at MaxCompressedBytes), unpacks and
    /// checks it, then moves it into place. With <paramref name="expectedDigest"/> the content must match it.
    /// </summary>
    /// <exception cref="BundleException">The bundle was refused; nothing was added.</exception>
    public async Task<StoredBundle> AddAsync(Stream upload, string? expectedDigest, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(TempDirectory);
        Directory.CreateDirectory(BlobsDirectory);
        Directory.CreateDirectory(BundlesDirectory);
        string spool = Path.Join(TempDirectory, "upload-" + Guid.NewGuid().ToString("N"));
        try
        {
            (string hex, long size) = await SpoolAsync(upload, spool, cancellationToken).ConfigureAwait(false);
            string digest = Sha256Prefix + hex;
            if (expectedDigest is not null && !string.Equals(Normalize(expectedDigest), hex, StringComparison.Ordinal))
            {
                throw new BundleException(BundleErrorKind.DigestMismatch, $"the content has digest {digest}, not {expectedDigest}");
            }

            string bundlePath = Path.Join(BundlesDirectory, hex);
            if (!Directory.Exists(bundlePath))
            {
                await UnpackAsync(spool, bundlePath, cancellationToken).ConfigureAwait(false);
            }
            string blobPath = Path.Join(BlobsDirectory, hex);
            if (!File.Exists(blobPath))
            {
                try
                {
                    File.Move(spool, blobPath, overwrite: false);
                }
                catch (IOException) when (File.Exists(blobPath))
                {
                    // A concurrent upload of the same bytes got there first.
                }
            }
            return new StoredBundle(digest, size, bundlePath, blobPath);
        }
        finally
        {
            File.Delete(spool);
        }
    }

    /// <summary>The unpacked bundle directory of a digest, or null when the store does not have it.</summary>
    public string? FindBundle(string digest) =>
        TryParseDigest(digest, out string hex) && Directory.Exists(Path.Join(BundlesDirectory, hex)) ? Path.Join(BundlesDirectory, hex) : null;

    /// <summary>The uploaded tar of a digest, or null when the store does not have it.</summary>
    public string? FindBlob(string digest) =>
        TryParseDigest(digest, out string hex) && File.Exists(Path.Join(BlobsDirectory, hex)) ? Path.Join(BlobsDirectory, hex) : null;

    /// <summary>Accepts "sha256:&lt;64 hex&gt;" or the bare hex; lower-case hex only, so a digest names one path.</summary>
    public static bool TryParseDigest(string digest, out string hex)
    {
        hex = Normalize(digest);
        return hex.Length == 64 && hex.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
    }

    private static string Normalize(string digest) =>
        digest.StartsWith(Sha256Prefix, StringComparison.Ordinal) ? digest[Sha256Prefix.Length..] : digest;

    private async Task UnpackAsync(string spool, string bundlePath, CancellationToken cancellationToken)
    {
        string work = Path.Join(TempDirectory, "unpack-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var tar = new FileStream(spool, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous))
            {
                await BundleExtractor.ExtractAsync(tar, work, _limits, cancellationToken).ConfigureAwait(false);
            }
            BundleConfig.Load(work);
            try
            {
                Directory.Move(work, bundlePath);
            }
            catch (IOException) when (Directory.Exists(bundlePath))
            {
                // A concurrent upload of the same bytes got there first.
            }
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true); // removes symlinks themselves, never their targets
            }
        }
    }

    private async Task<(string Hex, long Size)> SpoolAsync(Stream upload, string path, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long size = 0;
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
        {
            int n;
            while ((n = await upload.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                size += n;
                if (size > _limits.MaxCompressedBytes)
                {
                    throw new BundleException(BundleErrorKind.TooLarge, $"the upload is larger than {_limits.MaxCompressedBytes} bytes");
                }
                hash.AppendData(buffer, 0, n);
                await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
        }
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), size);
    }
}
