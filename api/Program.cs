using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Platform.Api.Extensions;
using Platform.Api.Options;
using Platform.Api.Security;
using Platform.NodeAgent;
using Platform.NodeAgent.Endpoint;
using Platform.Scheduler;
using Platform.Web;
using Prometheus;

// One binary for every role; "Platform:Roles" picks what this process runs (default: all of them, embedded).
var builder = WebApplication.CreateBuilder(args);
PlatformRoles roles = PlatformRoles.From(builder.Configuration);

if (roles.Api || roles.Scheduler)
{
    builder.AddPlatformDatabase();
}
if (roles.Api)
{
    builder.AddPlatformApi();
    builder.AddPlatformWeb();
}
else
{
    builder.Services.AddHealthChecks();
}
if (roles.Scheduler)
{
    builder.AddScheduler();
}
if (roles.Node)
{
    builder.AddNodeAgent();
}
builder.AddPlatformBus(roles);

var app = builder.Build();
if (roles.Api)
{
    app.UsePlatformApi();
    app.MapPlatformApi();
    app.MapPlatformWeb();
}
else
{
    app.MapHealthChecks("/healthz");
    app.MapMetrics("/metrics");
}
if (roles.Node)
{
    app.MapNodeAgent();
}

app.Lifetime.ApplicationStarted.Register(() =>
{
    var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
    Console.WriteLine($"Platform ({string.Join(", ", RoleNames(roles))}) listening on {string.Join(", ", addresses)}");
    if (app.Services.GetService<PlatformSecrets>() is { } secrets)
    {
        if (secrets.GeneratedAdminKey is { } key)
        {
            Console.WriteLine($"Admin key (shown once, also saved in {secrets.AdminKeyPath}): {key}");
        }
        else
        {
            Console.WriteLine(secrets.AdminKeyPath is null
                ? "Admin key: from configuration (Platform:AdminKey)"
                : $"Admin key: in {secrets.AdminKeyPath}");
        }
    }
});

await app.RunAsync();

static IEnumerable<string> RoleNames(PlatformRoles roles)
{
    if (roles.Api)
    {
        yield return "api";
    }

    if (roles.Scheduler)
    {
        yield return "scheduler";
    }

    if (roles.Node)
    {
        yield return "node";
    }
}

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
