namespace Platform.Web.Options;

/// <summary>Settings under <c>Platform:Web</c>.</summary>
public sealed class WebOptions
{
    public const string Section = "Platform:Web";

    /// <summary>
    /// Base address of the REST API as the server itself can reach it. Unset (the default), the dashboard uses
    /// the address the host listens on, with wildcard hosts turned into loopback.
    /// </summary>
    public Uri? ApiBaseAddress { get; set; }
}
