using System.Security.Cryptography;
using Microsoft.AspNetCore.Components.Server.ProtectedBrowserStorage;

namespace Platform.Web.Session;

/// <summary>
/// The browser's sessionStorage, encrypted and signed with the server's data-protection keys: it dies with the
/// tab, and a script on the page sees only ciphertext it cannot replay elsewhere.
/// </summary>
internal sealed class ProtectedSessionSignInStore(ProtectedSessionStorage storage) : ISignInStore
{
    private const string Name = "platform.signin";

    public async Task<StoredSignIn?> LoadAsync()
    {
        try
        {
            var result = await storage.GetAsync<StoredSignIn>(Name);
            return result.Success ? result.Value : null;
        }
        catch (CryptographicException)
        {
            // Protected with keys this server no longer has (e.g. a restart with fresh keys): sign in again.
            await storage.DeleteAsync(Name);
            return null;
        }
    }

    public async Task SaveAsync(StoredSignIn signIn) => await storage.SetAsync(Name, signIn);

    public async Task ClearAsync() => await storage.DeleteAsync(Name);
}
