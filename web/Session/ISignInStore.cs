namespace Platform.Web.Session;

/// <summary>Keeps the sign-in for the browser session only (never a URL, never a cookie scripts can read).</summary>
public interface ISignInStore
{
    Task<StoredSignIn?> LoadAsync();

    Task SaveAsync(StoredSignIn signIn);

    Task ClearAsync();
}
