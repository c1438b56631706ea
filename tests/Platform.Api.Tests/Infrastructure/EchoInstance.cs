using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Contracts;

namespace Platform.Api.Tests.Infrastructure;

/// <summary>
/// A stand-in function instance: a loopback Kestrel server that echoes method, path, query, headers and body as
/// JSON (and /slow waits 60 s). Also the fake <see cref="IInstanceConnector"/> that dials it for any instance id.
/// </summary>
public sealed class EchoInstance : IInstanceConnector, IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _connects;

    private EchoInstance(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }
    public int Connects => Volatile.Read(ref _connects);
    public List<Guid> ConnectedInstances { get; } = [];

    public static async Task<EchoInstance> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(async context =>
        {
            if (context.Request.Path == "/slow")
            {
                await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
            }
            if (context.Request.Path == "/empty-404")
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            using var reader = new StreamReader(context.Request.Body);
            string body = await reader.ReadToEndAsync(context.RequestAborted);
            await context.Response.WriteAsJsonAsync(new
            {
                method = context.Request.Method,
                path = context.Request.Path.Value,
                query = context.Request.QueryString.Value,
                headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
                body,
            });
        });
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new EchoInstance(app, new Uri(address).Port);
    }

    public async ValueTask<Stream> ConnectAsync(Guid instanceId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _connects);
        lock (ConnectedInstances)
        {
            ConnectedInstances.Add(instanceId);
        }
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
