using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Apis.Models;
using Platform.Api.Infrastructure;
using Platform.Api.Security;
using Platform.Contracts;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Apis;

/// <summary>
/// /v1/nodes (admin): the nodes known from their heartbeats; cordon, uncordon, drain. Node state is the
/// scheduler's to write: the api reads it, and asks the scheduler for changes.
/// </summary>
internal static class NodesApi
{
    private static readonly RequestTimeout SchedulerTimeout = RequestTimeout.After(s: 10);

    public static RouteGroupBuilder MapNodesApi(this RouteGroupBuilder v1)
    {
        RouteGroupBuilder nodes = v1.MapGroup("/nodes").WithTags("Nodes").RequireAuthorization(PlatformClaims.AdminPolicy);
        nodes.MapGet("/", ListAsync);
        nodes.MapGet("/{node}", GetAsync);
        nodes.MapPost("/{node}/cordon", (string node, IRequestClient<CordonNode> scheduler, CancellationToken ct) => SetCordonAsync(node, true, scheduler, ct));
        nodes.MapPost("/{node}/uncordon", (string node, IRequestClient<CordonNode> scheduler, CancellationToken ct) => SetCordonAsync(node, false, scheduler, ct));
        nodes.MapPost("/{node}/drain", DrainAsync);
        return v1;
    }

    private static async Task<Ok<List<NodeView>>> ListAsync(PlatformDbContext db, CancellationToken cancellationToken)
    {
        List<Node> nodes = await db.Nodes.AsNoTracking().OrderBy(n => n.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(nodes.Select(NodeView.From).ToList());
    }

    private static async Task<Results<Ok<NodeView>, ProblemHttpResult>> GetAsync(string node, PlatformDbContext db, CancellationToken cancellationToken)
    {
        Node? found = await db.Nodes.AsNoTracking().FirstOrDefaultAsync(n => n.Id == node, cancellationToken);
        return found is null ? NodeNotFound(node) : TypedResults.Ok(NodeView.From(found));
    }

    /// <summary>A cordoned node keeps its instances but gets no new ones. The scheduler makes the change and answers.</summary>
    private static async Task<IResult> SetCordonAsync(string node, bool cordoned, IRequestClient<CordonNode> scheduler, CancellationToken cancellationToken) =>
        await AskSchedulerAsync(node, () => scheduler.GetResponse<NodeChanged, NodeNotFound>(new CordonNode(node, cordoned), cancellationToken, SchedulerTimeout),
            changed => TypedResults.Ok(NodeView.From(changed)));

    /// <summary>Cordons the node and has the scheduler move its instances elsewhere: 202, the move happens after.</summary>
    private static async Task<IResult> DrainAsync(string node, IRequestClient<DrainNode> scheduler, CancellationToken cancellationToken) =>
        await AskSchedulerAsync(node, () => scheduler.GetResponse<NodeChanged, NodeNotFound>(new DrainNode(node), cancellationToken, SchedulerTimeout),
            changed => TypedResults.Accepted($"/v1/nodes/{node}", NodeView.From(changed)));

    private static async Task<IResult> AskSchedulerAsync(
        string node, Func<Task<Response<NodeChanged, NodeNotFound>>> ask, Func<NodeChanged, IResult> answer)
    {
        try
        {
            Response<NodeChanged, NodeNotFound> response = await ask();
            return response.Is(out Response<NodeChanged>? changed) ? answer(changed.Message) : NodeNotFound(node);
        }
        catch (RequestTimeoutException)
        {
            return TypedResults.Problem($"the scheduler did not answer within {SchedulerTimeout.Value.TotalSeconds:0} s; try again",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable");
        }
    }

    private static ProblemHttpResult NodeNotFound(string node) => ApiProblems.NotFound($"node '{node}' not found");
}
