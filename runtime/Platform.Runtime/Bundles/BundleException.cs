namespace Platform.Runtime.Bundles;

/// <summary>
/// A bundle was refused. The message names the entry or JSON path at fault. <see cref="Kind"/> is the bundle's
/// own finer kind (the api maps it to an HTTP status); as a runtime error it is InvalidConfig or InvalidArgument.
/// </summary>
public sealed class BundleException(BundleErrorKind kind, string message, Exception? inner = null)
    : RuntimeException(kind == BundleErrorKind.InvalidConfig ? RuntimeErrorKind.InvalidConfig : RuntimeErrorKind.InvalidArgument, message, inner)
{
    public new BundleErrorKind Kind { get; } = kind;
}
