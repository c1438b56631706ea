using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Platform.Web;

/// <summary>Composition of the dashboard, served by the api process at /.</summary>
public static class WebExtensions
{
    public static IHostApplicationBuilder AddPlatformWeb(this IHostApplicationBuilder builder)
    {
        return builder;
    }

    public static IEndpointRouteBuilder MapPlatformWeb(this WebApplication app)
    {
        return app;
    }
}
