using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Api.Security;

/// <summary>Key material: 32 random bytes, base64url, behind a readable type prefix; stored only as SHA-256.</summary>
internal static class ApiKeys
{
    public const string TenantPrefix = "pk_";
    public const string AdminPrefix = "pa_";
    public const string NodePrefix = "pn_";

    /// <summary>Characters of a tenant key kept in clear, to find its row and to tell keys apart in listings.</summary>
    public const int LookupPrefixLength = 12;

    public static string NewSecret(string typePrefix) =>
        typePrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string LookupPrefix(string key) => key.Length <= LookupPrefixLength ? key : key[..LookupPrefixLength];
}
