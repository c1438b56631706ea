namespace Platform.Runtime.Bundles;

/// <summary>A bundle was refused. The message names the entry or JSON path at fault.</summary>
public sealed class BundleException(BundleErrorKind kind, string message, Exception? inner = null)
    : RuntimeException(message, inner)
{
    public BundleErrorKind Kind { get; } = kind;
}
