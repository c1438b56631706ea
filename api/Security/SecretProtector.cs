using Microsoft.AspNetCore.DataProtection;

namespace Platform.Api.Security;

/// <summary>
/// Encrypts function secrets before they reach the database (ASP.NET Core Data Protection: authenticated
/// encryption, keys rotated and kept under the data directory). The purpose includes the function's id, so a
/// ciphertext copied into another function's row does not decrypt there.
/// </summary>
internal sealed class SecretProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _root = provider.CreateProtector("Platform.FunctionSecrets.v1");

    public string Protect(Guid functionId, string value) => _root.CreateProtector(functionId.ToString("N")).Protect(value);

    public string Unprotect(Guid functionId, string ciphertext) => _root.CreateProtector(functionId.ToString("N")).Unprotect(ciphertext);
}
