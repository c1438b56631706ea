using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Platform.Api.Infrastructure;
using Platform.Api.Logs;
using Platform.Contracts;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Apis;

/// <summary>
/// GET .../logs?tail=N&amp;follow=true: the stdout/stderr the node agents captured, read from them over HTTP. Without follow, a JSON array;
/// with it, NDJSON (one line object per line) until the client goes away.
/// </summary>
internal static class LogsApi
{
    public const int DefaultTail = 100;
    public const int MaxTail = 10_000;

    public static RouteGroupBuilder MapLogsApi(this RouteGroupBuilder v1)
    {
        v1.MapGet("/tenants/{tenant}/functions/{function}/logs", ReadAsync)
            .WithTags("Logs")
            .Produces<List<LogLine>>(StatusCodes.Status200OK, "application/json", "application/x-ndjson");
        return v1;
    }

    private static async Task<IResult> ReadAsync(
        string tenant, string function, int? tail, bool? follow, HttpContext context, ClaimsPrincipal user, PlatformDbContext db,
        NodeLogs logs, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        FunctionLookup lookup = await db.FindVisibleFunctionAsync(user, tenant, function, cancellationToken);
        if (!lookup.Found)
        {
            return lookup.Problem;
        }
        Function f = lookup.Function;
        int lines = tail ?? DefaultTail;
        if (lines is < 0 or > MaxTail)
        {
            return ApiProblems.Invalid("tail", $"must be between 0 and {MaxTail}");
        }

        if (follow != true)
        {
            var list = new List<LogLine>();
            await foreach (LogLine line in logs.ReadAsync(db, f.Id, lines, follow: false, cancellationToken))
            {
                list.Add(line);
            }
            return TypedResults.Ok(list);
        }

        context.Response.ContentType = "application/x-ndjson";
        await context.Response.StartAsync(cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken); // the headers go now: a follower may wait long for a first line
        try
        {
            await foreach (LogLine line in logs.ReadAsync(db, f.Id, lines, follow: true, cancellationToken))
            {
                await JsonSerializer.SerializeAsync(context.Response.Body, line, json.Value.SerializerOptions, cancellationToken);
                await context.Response.Body.WriteAsync("\n"u8.ToArray(), cancellationToken);
                await context.Response.Body.FlushAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client stopped following.
        }
        return Results.Empty;
    }
}
