using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Apis.Models;
using Platform.Api.Security;
using Platform.Api.Infrastructure;
using Platform.Contracts;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Apis;

/// <summary>/v1/nodes (admin): the nodes known from their heartbeats; cordon, uncordon, drain.</summary>
internal static class NodesApi
{
    public static RouteGroupBuilder MapNodesApi(this RouteGroupBuilder v1)
    {
        RouteGroupBuilder nodes = v1.MapGroup("/nodes").WithTags("Nodes").RequireAuthorization(PlatformClaims.AdminPolicy);
        nodes.MapGet("/", ListAsync);
        nodes.MapGet("/{node}", GetAsync);
        nodes.MapPost("/{node}/cordon", (string node, PlatformDbContext db, CancellationToken ct) => SetCordonAsync(node, true, db, ct));
        nodes.MapPost("/{node}/uncordon", (string node, PlatformDbContext db, CancellationToken ct) => SetCordonAsync(node, false, db, ct));
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

    /// <summary>A cordoned node keeps its instances but gets no new ones.</summary>
    private static async Task<Results<Ok<NodeView>, ProblemHttpResult>> SetCordonAsync(string node, bool cordoned, PlatformDbContext db, CancellationToken cancellationToken)
    {
        Node? found = await db.Nodes.FirstOrDefaultAsync(n => n.Id == node, cancellationToken);
        if (found is null)
        {
            return NodeNotFound(node);
        }
        found.Cordoned = cordoned;
        if (!cordoned && found.State == NodeState.Draining)
        {
            found.State = NodeState.Ready;
        }
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(NodeView.From(found));
    }

    /// <summary>Cordons the node and asks the scheduler to move its instances elsewhere: 202, the move happens after.</summary>
    private static async Task<Results<Accepted<NodeView>, ProblemHttpResult>> DrainAsync(
        string node, PlatformDbContext db, IPublishEndpoint bus, CancellationToken cancellationToken)
    {
        Node? found = await db.Nodes.FirstOrDefaultAsync(n => n.Id == node, cancellationToken);
        if (found is null)
        {
            return NodeNotFound(node);
        }
        found.Cordoned = true;
        found.State = NodeState.Draining;
        await db.SaveChangesAsync(cancellationToken);
        await bus.Publish(new NodeDrainRequested(node), cancellationToken);
        return TypedResults.Accepted($"/v1/nodes/{node}", NodeView.From(found));
    }

    private static ProblemHttpResult NodeNotFound(string node) => ApiProblems.NotFound($"node '{node}' not found");
}
