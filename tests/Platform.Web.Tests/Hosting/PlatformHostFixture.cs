namespace Platform.Web.Tests.Hosting;

/// <summary>One api host shared by the tests of a class that only read from it.</summary>
public sealed class PlatformHostFixture : IAsyncLifetime
{
    private PlatformHost? _host;

    internal PlatformHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public ValueTask InitializeAsync()
    {
        _host = PlatformHost.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
