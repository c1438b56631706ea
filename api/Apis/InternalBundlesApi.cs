using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Platform.Api.Infrastructure;
using Platform.Api.Security;
using Platform.Runtime.Bundles;

namespace Platform.Api.Apis;

/// <summary>GET /v1/internal/bundles/{digest} (node token): the uploaded tar, for node agents to verify and unpack.</summary>
internal static class InternalBundlesApi
{
    public static RouteGroupBuilder MapInternalBundlesApi(this RouteGroupBuilder v1)
    {
        v1.MapGet("/internal/bundles/{digest}", Get)
            .WithTags("Internal")
            .RequireAuthorization(PlatformClaims.NodePolicy)
            .ExcludeFromDescription();
        return v1;
    }

    private static Results<PhysicalFileHttpResult, ProblemHttpResult> Get(string digest, [FromServices] BundleStore store)
    {
        if (!BundleStore.TryParseDigest(digest, out _))
        {
            return TypedResults.Problem("a digest is 'sha256:' followed by 64 lower-case hex digits",
                statusCode: StatusCodes.Status400BadRequest, title: "Invalid digest");
        }
        string? path = store.FindBlob(digest);
        return path is null
            ? ApiProblems.NotFound($"no bundle with digest {digest}")
            : TypedResults.PhysicalFile(path, "application/octet-stream", enableRangeProcessing: true);
    }
}
