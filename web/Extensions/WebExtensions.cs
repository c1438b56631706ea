using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.Web.Client;
using Platform.Web.Components;
using Platform.Web.Options;
using Platform.Web.Overview;
using Platform.Web.Session;

namespace Platform.Web;

/// <summary>Composition of the dashboard, served by the api process at /.</summary>
public static class WebExtensions
{
    public static IHostApplicationBuilder AddPlatformWeb(this IHostApplicationBuilder builder)
    {
        // The dashboard's own files (app.css) and the framework's (blazor.web.js) are static web assets; outside
        // a publish folder they are found only through the build's manifest, whatever the environment.
        if (builder is WebApplicationBuilder web)
        {
            web.WebHost.UseStaticWebAssets();
        }

        builder.Services.AddOptions<WebOptions>()
            .Bind(builder.Configuration.GetSection(WebOptions.Section))
            .Validate(o => o.ApiBaseAddress is null || o.ApiBaseAddress is { IsAbsoluteUri: true, Scheme: "http" or "https" },
                $"{WebOptions.Section}:ApiBaseAddress must be an absolute http or https URL.")
            .Validate(o => o.MaxUploadBytes > 0, $"{WebOptions.Section}:MaxUploadBytes must be positive.")
            .ValidateOnStart();

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();

        builder.Services.AddScoped<IApiBaseAddress, ServerApiBaseAddress>();
        builder.Services.AddHttpClient<IPlatformApiClient, PlatformApiClient>(http => http.Timeout = TimeSpan.FromSeconds(30))
            // The dashboard calls its own process: an HTTP proxy from the environment would only be in the way.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseProxy = false });
        builder.Services.AddScoped<ISignInStore, ProtectedSessionSignInStore>();
        builder.Services.AddScoped<SignInService>();
        builder.Services.AddScoped<TenantOverviewLoader>();
        return builder;
    }

    /// <summary>
    /// Maps only the dashboard's page routes, its asset files and the circuit hub (/_blazor): no catch-all, so
    /// /v1, /fn, /openapi, /healthz and /metrics stay the API's. They are anonymous: the page holds no data of
    /// its own, and every call it makes carries the signed-in key to the API, which authorizes it.
    /// The component endpoints need the antiforgery middleware in the pipeline: the host adds it once, after
    /// UseAuthentication/UseAuthorization (the api's UsePlatformApi does).
    /// </summary>
    public static IEndpointRouteBuilder MapPlatformWeb(this WebApplication app)
    {
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>()
            .AddInteractiveServerRenderMode()
            .AllowAnonymous();
        return app;
    }
}
