using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Web.Client;

namespace Platform.Web.Tests.Client;

/// <summary>A real HTTP server on a loopback port, answering as each test tells it to; records what it was sent.</summary>
internal sealed class LoopbackApi : IApiBaseAddress, IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackApi(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public List<(string Path, string? Authorization)> Requests { get; } = [];

    public static async Task<LoopbackApi> StartAsync(RequestDelegate answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        LoopbackApi? api = null;
        app.Run(async context =>
        {
            lock (api!.Requests)
            {
                api.Requests.Add((context.Request.Path + context.Request.QueryString, context.Request.Headers.Authorization.ToString()));
            }

            await answer(context);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        api = new LoopbackApi(app, new Uri(address + "/"));
        return api;
    }

    public Uri Resolve() => Address;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
