using System.Security.Cryptography;
using System.Text;

namespace Platform.Api.Security;

/// <summary>
/// The admin key and the node token. Each comes from configuration, else from its file in the data directory,
/// else is generated once and written there (mode 0600). Only their SHA-256 hashes are kept in memory here.
/// </summary>
internal sealed class PlatformSecrets
{
    public const string AdminKeyFile = "admin.key";
    public const string NodeTokenFile = "node.token";

    private readonly byte[] _adminHash;
    private readonly byte[] _nodeHash;

    private PlatformSecrets(string adminKey, string nodeToken, string? adminKeyPath, string? generatedAdminKey)
    {
        _adminHash = ApiKeys.Hash(adminKey);
        _nodeHash = ApiKeys.Hash(nodeToken);
        NodeToken = nodeToken;
        AdminKeyPath = adminKeyPath;
        GeneratedAdminKey = generatedAdminKey;
    }

    /// <summary>Where the admin key can be read (its file), or null when it came from configuration.</summary>
    public string? AdminKeyPath { get; }

    /// <summary>The admin key when this start generated it: printed once, never again.</summary>
    public string? GeneratedAdminKey { get; }

    /// <summary>Handed to an in-process node agent through configuration ("Platform:NodeToken").</summary>
    public string NodeToken { get; }

    public bool IsAdminKey(string candidate) => CryptographicOperations.FixedTimeEquals(ApiKeys.Hash(candidate), _adminHash);

    public bool IsNodeToken(string candidate) => CryptographicOperations.FixedTimeEquals(ApiKeys.Hash(candidate), _nodeHash);

    public static PlatformSecrets Load(string dataDirectory, string? configuredAdminKey, string? configuredNodeToken)
    {
        Directory.CreateDirectory(dataDirectory);
        string? adminPath = null;
        string? generated = null;
        string adminKey;
        if (!string.IsNullOrWhiteSpace(configuredAdminKey))
        {
            adminKey = configuredAdminKey.Trim();
        }
        else
        {
            adminPath = Path.Join(dataDirectory, AdminKeyFile);
            (adminKey, bool created) = ReadOrCreate(adminPath, () => ApiKeys.NewSecret(ApiKeys.AdminPrefix));
            generated = created ? adminKey : null;
        }
        string nodeToken = !string.IsNullOrWhiteSpace(configuredNodeToken)
            ? configuredNodeToken.Trim()
            : ReadOrCreate(Path.Join(dataDirectory, NodeTokenFile), () => ApiKeys.NewSecret(ApiKeys.NodePrefix)).Value;
        return new PlatformSecrets(adminKey, nodeToken, adminPath, generated);
    }

    private static (string Value, bool Created) ReadOrCreate(string path, Func<string> create)
    {
        if (File.Exists(path))
        {
            string existing = File.ReadAllText(path, Encoding.UTF8).Trim();
            if (existing.Length > 0)
            {
                return (existing, false);
            }
        }
        string value = create();
        string temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var writer = new StreamWriter(temp, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options))
        {
            writer.WriteLine(value);
        }
        File.Move(temp, path, overwrite: true);
        return (value, true);
    }
}
