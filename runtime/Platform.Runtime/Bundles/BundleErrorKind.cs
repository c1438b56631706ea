namespace Platform.Runtime.Bundles;

/// <summary>Why a bundle was refused; the api maps each to an HTTP status.</summary>
public enum BundleErrorKind
{
    /// <summary>Not a tar, or an entry that may not be unpacked (path escape, device node, bad link): 400.</summary>
    Malformed,
    /// <summary>Past a size or entry cap: 413.</summary>
    TooLarge,
    /// <summary>config.json missing or not a valid runtime configuration: 422.</summary>
    InvalidConfig,
    /// <summary>The content does not match the digest it was fetched by.</summary>
    DigestMismatch,
}
