using System.ComponentModel.DataAnnotations;

namespace Platform.Api.Options;

/// <summary>The "Platform" section: where state lives, the secrets, and which roles this process runs.</summary>
public sealed class PlatformOptions
{
    public const string SectionName = "Platform";

    /// <summary>SQLite file, bundle store and secrets; relative paths are under the working directory.</summary>
    [Required]
    public string DataDir { get; set; } = ".data";

    /// <summary>The admin key; generated into &lt;DataDir&gt;/admin.key when not set.</summary>
    public string? AdminKey { get; set; }

    /// <summary>The token node agents present to fetch bundles; generated into &lt;DataDir&gt;/node.token when not set.</summary>
    public string? NodeToken { get; set; }

    /// <summary>Comma-separated: api, scheduler, node.</summary>
    [Required]
    public string Roles { get; set; } = "api,scheduler,node";

    public string DataDirectory => Path.GetFullPath(DataDir);

    /// <summary>Where the keys that encrypt function secrets live (shared by every api process of a platform); default &lt;DataDir&gt;/keys.</summary>
    public string? SecretKeysDir { get; set; }

    /// <summary>A PKCS#12 file whose certificate encrypts those keys at rest (optional).</summary>
    public string? SecretKeysCertificate { get; set; }

    public string SecretKeysDirectory => Path.GetFullPath(SecretKeysDir ?? Path.Combine(DataDir, "keys"));
}
