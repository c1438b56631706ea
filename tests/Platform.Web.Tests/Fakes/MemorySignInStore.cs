using Platform.Web.Session;

namespace Platform.Web.Tests.Fakes;

/// <summary>Stands in for the browser's session storage.</summary>
internal sealed class MemorySignInStore : ISignInStore
{
    public StoredSignIn? Stored { get; set; }

    public Task<StoredSignIn?> LoadAsync() => Task.FromResult(Stored);

    public Task SaveAsync(StoredSignIn signIn)
    {
        Stored = signIn;
        return Task.CompletedTask;
    }

    public Task ClearAsync()
    {
        Stored = null;
        return Task.CompletedTask;
    }
}
