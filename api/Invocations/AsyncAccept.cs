using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Platform.Api.Gateway;
using Platform.Api.Infrastructure;
using Platform.Api.Options;
using Platform.Contracts;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Invocations;

/// <summary>
/// The gateway's async path (DESIGN §2): a request with <c>Prefer: respond-async</c> is stored as it arrived
/// (headers the function would get, body up to a bound) and answered 202 with the invocation's location; an
/// <see cref="InvocationDue"/> message lets any api process run it at once.
/// </summary>
internal static class AsyncAccept
{
    private const string Prefer = "Prefer"; // RFC 7240

    public static bool IsRequested(HttpRequest request)
    {
        foreach (string? value in request.Headers[Prefer])
        {
            foreach (string preference in (value ?? "").Split(','))
            {
                // "respond-async", possibly with parameters after ';' (RFC 7240).
                if (preference.Split(';')[0].Trim().Equals("respond-async", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }
        return false;
    }

    public static async Task<IResult> AcceptAsync(HttpContext context, FunctionRoute route, PathString remainder, PathString prefix)
    {
        CancellationToken aborted = context.RequestAborted;
        InvocationOptions options = context.RequestServices.GetRequiredService<IOptions<InvocationOptions>>().Value;
        var db = context.RequestServices.GetRequiredService<PlatformDbContext>();
        int unfinished = await db.Invocations.CountAsync(
            i => i.FunctionId == route.FunctionId && (i.Status == InvocationStatus.Queued || i.Status == InvocationStatus.Running), aborted);
        if (unfinished >= options.MaxQueuedPerFunction)
        {
            context.Response.Headers.RetryAfter = "1";
            return ApiProblems.QuotaExceeded($"'{route.Tenant}/{route.Function}' has {unfinished} unfinished async invocations, its limit (Platform:Invocations:MaxQueuedPerFunction)");
        }

        byte[]? body = await ReadBodyAsync(context.Request, options.MaxBodyBytes, aborted);
        if (body is null)
        {
            return TypedResults.Problem(
                $"an async invocation's body is at most {options.MaxBodyBytes} bytes (Platform:Invocations:MaxBodyBytes)",
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload Too Large");
        }

        var invocation = new Invocation
        {
            FunctionId = route.FunctionId,
            Method = context.Request.Method,
            PathAndQuery = (remainder.HasValue ? remainder.Value! : "/") + context.Request.QueryString.Value,
            RequestHeaders = HeadersFor(context, prefix, stripAuthorization: !route.Settings.Public),
            RequestBody = body,
        };
        invocation.DispatchedAt = invocation.CreatedAt;
        db.Invocations.Add(invocation);
        await db.SaveChangesAsync(aborted);
        // Stored first: if this publish is lost, the dispatcher finds the row (InvocationDispatcher).
        await context.RequestServices.GetRequiredService<IPublishEndpoint>().Publish(new InvocationDue(invocation.Id), CancellationToken.None);

        context.Response.Headers["Preference-Applied"] = "respond-async";
        return TypedResults.Accepted(
            $"/v1/tenants/{route.Tenant}/functions/{route.Function}/invocations/{invocation.Id}",
            new { id = invocation.Id, status = "queued" });
    }

    /// <summary>The body, or null when it is longer than <paramref name="limit"/> (read no further than that).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    // Hop-by-hop and framing headers belong to this connection, not to the request the function gets later;
    // Prefer has been honoured here.
    private static readonly HashSet<string> NotStored = new(StringComparer.OrdinalIgnoreCase)
    {
        HeaderNames.Connection, HeaderNames.KeepAlive, HeaderNames.TransferEncoding, HeaderNames.TE, HeaderNames.Trailer,
        HeaderNames.Upgrade, HeaderNames.ProxyAuthorization, HeaderNames.ProxyConnection, HeaderNames.Host,
        HeaderNames.ContentLength, Prefer, HeaderNames.Expect,
        "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Prefix",
    };

    /// <summary>The headers as the synchronous path would forward them (GatewayTransformer): no platform key.</summary>
    private static InvocationHeaders HeadersFor(HttpContext context, PathString prefix, bool stripAuthorization)
    {
        var headers = new InvocationHeaders();
        foreach (var (name, values) in context.Request.Headers)
        {
            if (NotStored.Contains(name))
            {
                continue;
            }
            if (name.Equals(HeaderNames.Authorization, StringComparison.OrdinalIgnoreCase)
                && (stripAuthorization || values.Any(v => GatewayTransformer.IsPlatformKey(ParseAuthorization(v)))))
            {
                continue;
            }
            headers[name] = values.Select(v => v ?? "").ToArray();
        }
        foreach ((string name, string value) in GatewayTransformer.ForwardedHeaders(context, prefix))
        {
            headers[name] = [value];
        }
        if (context.Request.Host.HasValue)
        {
            headers[HeaderNames.Host] = [context.Request.Host.Value!];
        }
        return headers;
    }

    private static System.Net.Http.Headers.AuthenticationHeaderValue? ParseAuthorization(string? value) =>
        System.Net.Http.Headers.AuthenticationHeaderValue.TryParse(value, out var parsed) ? parsed : null;
}
