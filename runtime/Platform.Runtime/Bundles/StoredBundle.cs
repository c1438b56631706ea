namespace Platform.Runtime.Bundles;

/// <summary>A bundle in the store: its digest ("sha256:" + hex), the size of the tar as uploaded, and where it lies.</summary>
public sealed record StoredBundle(string Digest, long SizeBytes, string BundlePath, string BlobPath);
