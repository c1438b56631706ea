using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Platform.Api.Apis;
using Platform.Api.Correlation;
using Platform.Api.Figures;
using Platform.Api.Gateway;
using Platform.Api.Infrastructure;
using Platform.Api.Invocations;
using Platform.Api.Logs;
using Platform.Api.Options;
using Platform.Api.Security;
using Platform.Contracts;
using Platform.Data;
using Platform.Runtime.Bundles;
using Prometheus;
using Yarp.ReverseProxy.Forwarder;

namespace Platform.Api.Extensions;

public static class PlatformApiExtensions
{
    /// <summary>
    /// The api role: REST API, gateway, auth, bundle store, OpenAPI, health. Loads (or creates) the admin key and
    /// node token first and publishes the node token as "Platform:NodeToken", so an in-process node agent reads it there.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformApi(this IHostApplicationBuilder builder)
    {
        IServiceCollection services = builder.Services;
        services.AddOptions<PlatformOptions>().BindConfiguration(PlatformOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BundleOptions>().BindConfiguration(BundleOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<InvocationOptions>().BindConfiguration(InvocationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        var platform = builder.Configuration.GetSection(PlatformOptions.SectionName).Get<PlatformOptions>() ?? new PlatformOptions();
        PlatformSecrets secrets = PlatformSecrets.Load(platform.DataDirectory, platform.AdminKey, platform.NodeToken);
        builder.Configuration.AddInMemoryCollection([new($"{PlatformOptions.SectionName}:NodeToken", secrets.NodeToken)]);
        services.AddSingleton(secrets);
        AddSecretEncryption(services, platform);

        services.AddApiRateLimits();
        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Unreadable requests throw (in every environment) so BadRequestExceptionHandler can say what was wrong.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase)));
        services.AddOpenApi();
        services.AddHealthChecks().AddDbContextCheck<PlatformDbContext>("database");

        services.AddAuthentication(PlatformClaims.Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(PlatformClaims.Scheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(PlatformClaims.AdminPolicy, p => p.RequireRole(PlatformClaims.AdminRole))
            .AddPolicy(PlatformClaims.NodePolicy, p => p.RequireRole(PlatformClaims.NodeRole))
            .AddPolicy(PlatformClaims.UserPolicy, p => p.RequireRole(PlatformClaims.AdminRole, PlatformClaims.TenantRole));

        services.AddSingleton(sp => new BundleStore(
            sp.GetRequiredService<IOptions<PlatformOptions>>().Value.DataDirectory,
            sp.GetRequiredService<IOptions<BundleOptions>>().Value.ToLimits()));

        services.AddMemoryCache();
        services.AddHttpForwarder();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<RouteTable>();
        services.AddSingleton<InstanceDirectory>();
        services.AddHostedService<InstanceDirectorySync>();
        services.AddSingleton<InstanceLoad>();
        services.AddSingleton<GatewayFigures>();
        services.AddSingleton<NodeInvoker>();
        services.AddScoped<InvocationRunner>();
        services.AddHostedService<InvocationDispatcher>();
        services.AddHttpClient(NodeLogs.HttpClientName);
        services.AddSingleton<NodeLogs>();
        return builder;
    }

    // Function secrets are encrypted with Data Protection keys kept in <SecretKeysDir> (default <DataDir>/keys,
    // mode 0700): api processes of one platform share that directory (and the application name) to read each
    // other's secrets. With Platform:SecretKeysCertificate the key files are themselves encrypted by that
    // certificate, so a copy of the directory alone decrypts nothing.
    private static void AddSecretEncryption(IServiceCollection services, PlatformOptions platform)
    {
        var keys = new DirectoryInfo(platform.SecretKeysDirectory);
        keys.Create();
        if (OperatingSystem.IsLinux())
        {
            keys.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        }
        IDataProtectionBuilder dataProtection = services.AddDataProtection().SetApplicationName("Platform").PersistKeysToFileSystem(keys);
        if (platform.SecretKeysCertificate is { Length: > 0 } certificate)
        {
            dataProtection.ProtectKeysWithCertificate(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(certificate, null));
        }
        services.AddSingleton<SecretProtector>();
        services.AddSingleton<ApiKeyCache>();
    }

    /// <summary>
    /// Middleware of the api role: correlation id, problem details for every error status, auth, metrics. The node
    /// agent's endpoint (/node) is the node's wire, with its own token check: every invocation crosses it, and it
    /// skips the api's middleware in one process as it has none in a node-only process. Authentication and
    /// authorization stay on the application itself (WebApplication adds its own pair in front of everything
    /// when they are not), and cost a request without a platform key next to nothing.
    /// </summary>
    public static WebApplication UsePlatformApi(this WebApplication app)
    {
        static bool NotNode(HttpContext context) => !context.Request.Path.StartsWithSegments(NodeEndpoint.PathBase);
        app.UseWhen(NotNode, api =>
        {
            // First, so even an error page carries the id and the exception handler logs inside its scope.
            api.UseMiddleware<CorrelationMiddleware>();
            api.UseExceptionHandler();
            api.UseStatusCodePages();
            api.UseHttpMetrics();
            api.UseApiBodyLimit();
        });
        app.UseAuthentication();
        // After authentication: the limiter partitions by the caller's key.
        app.UseWhen(NotNode, api => api.UseRateLimiter());
        app.UseAuthorization();
        app.UseWhen(NotNode, api => api.UseAntiforgery());
        return app;
    }

    /// <summary>/v1 (REST), /fn (gateway), /openapi/v1.json, /healthz, /metrics.</summary>
    public static WebApplication MapPlatformApi(this WebApplication app)
    {
        RouteGroupBuilder v1 = app.MapGroup("/v1").RequireAuthorization(PlatformClaims.UserPolicy).RequireRateLimiting(ApiRateLimits.PolicyName);
        v1.MapTenantsApi()
            .MapKeysApi()
            .MapFunctionsApi()
            .MapVersionsApi()
            .MapSecretsApi()
            .MapInstancesApi()
            .MapInvocationsApi()
            .MapLogsApi()
            .MapMetricsApi()
            .MapNodesApi();
        // The node token is not a user key: this group has its own policy only.
        app.MapGroup("/v1").MapInternalBundlesApi().MapInternalSecretsApi();
        app.MapGateway();
        app.MapOpenApi().AllowAnonymous();
        app.MapHealthChecks("/healthz").AllowAnonymous();
        // Its series name every tenant's functions: the operator's (admin key as a bearer token for the scraper).
        app.MapMetrics("/metrics").RequireAuthorization(PlatformClaims.AdminPolicy);
        return app;
    }
}
