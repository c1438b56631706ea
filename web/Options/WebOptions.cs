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

    /// <summary>
    /// Largest bundle the dashboard uploads from the browser. The browser's file reaches this process over the
    /// circuit before it goes on to the API, so a cap here stops a huge file early; keep it at or below the
    /// API's <c>Platform:Bundles:MaxBytes</c> (also 256 MiB by default), which has the last word.
    /// </summary>
    public long MaxUploadBytes { get; set; } = 256L * 1024 * 1024;
}
