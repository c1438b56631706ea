namespace Platform.Web.Tests.Hosting;

/// <summary>One api host shared by the tests of a class that only read from it.</summary>
public sealed class PlatformHostFixture : IAsyncLifetime
{
    private PlatformHost? host;

    internal PlatformHost Host => host ?? throw new InvalidOperationException("The host has not started.");

    public ValueTask InitializeAsync()
    {
        host = PlatformHost.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }
}
