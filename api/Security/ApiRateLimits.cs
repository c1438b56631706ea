using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Platform.Api.Options;

namespace Platform.Api.Security;

/// <summary>
/// Protection of the REST API from one noisy or hostile caller: a token bucket per tenant key (per client
/// address for callers without a valid key, which also slows key guessing), 429 problem+json with Retry-After
/// when it is empty, and a cap on request bodies. The admin key and the node token are the operator's and the
/// platform's own traffic and are not limited. Invocations (/fn) are bounded by each function's concurrency,
/// instances and quotas instead.
/// </summary>
internal static class ApiRateLimits
{
    public const string PolicyName = "per-key";

    public static IServiceCollection AddApiRateLimits(this IServiceCollection services)
    {
        services.AddOptions<ApiLimitsOptions>().BindConfiguration(ApiLimitsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(PolicyName, context =>
            {
                var limits = context.RequestServices.GetRequiredService<IOptions<ApiLimitsOptions>>().Value;
                if (context.User.IsAdmin() || context.User.IsInRole(PlatformClaims.NodeRole))
                {
                    return RateLimitPartition.GetNoLimiter("platform");
                }
                string partition = context.User.FindFirst(PlatformClaims.KeyIdClaim)?.Value is { } keyId
                    ? "key:" + keyId
                    : "address:" + context.Connection.RemoteIpAddress;
                return RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.Burst,
                    TokensPerPeriod = limits.RequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter)
                    ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                    : 1;
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await WriteProblemAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "Too Many Requests",
                    $"this key made more requests than its limit allows; retry after {seconds} s");
            };
        });
        return services;
    }

    /// <summary>
    /// Caps /v1 request bodies before anything reads them: a declared length over the cap is refused at once
    /// (413 problem+json), and the server's own cap stops an undeclared (chunked) one while it streams. The
    /// bundle upload raises the cap for itself.
    /// </summary>
    public static IApplicationBuilder UseApiBodyLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/v1"))
        {
            long max = context.RequestServices.GetRequiredService<IOptions<ApiLimitsOptions>>().Value.MaxBodyBytes;
            if (context.Request.ContentLength > max && !IsBundleUpload(context.Request))
            {
                await WriteProblemAsync(context, StatusCodes.Status413PayloadTooLarge, "Payload Too Large",
                    $"the request body is {context.Request.ContentLength} bytes; this endpoint takes at most {max}");
                return;
            }
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } body)
            {
                body.MaxRequestBodySize = max;
            }
        }
        await next(context);
    });

    private static ValueTask WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }

    // POST /v1/tenants/{t}/functions/{f}/versions: its own, larger cap (Platform:Bundles:MaxBytes) applies there.
    private static bool IsBundleUpload(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.Value!.TrimEnd('/').EndsWith("/versions", StringComparison.Ordinal);
}
