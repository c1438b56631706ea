using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Platform.Api.Apis.Models;
using Platform.Api.Functions;
using Platform.Api.Infrastructure;
using Platform.Api.Options;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Runtime.Bundles;

namespace Platform.Api.Apis;

/// <summary>/v1/tenants/{tenant}/functions/{function}/versions: upload a bundle, list, activate (rollback = activate an older one).</summary>
internal static class VersionsApi
{
    private static readonly string[] TarTypes = ["application/x-tar", "application/tar"];
    private static readonly string[] GzipTypes = ["application/gzip", "application/x-gzip", "application/tar+gzip"];
    private const string BundleField = "bundle";

    public static RouteGroupBuilder MapVersionsApi(this RouteGroupBuilder v1)
    {
        RouteGroupBuilder versions = v1.MapGroup("/tenants/{tenant}/functions/{function}/versions").WithTags("Versions");
        // No Accepts metadata: routing would answer a bare 415 itself; the handler says what it accepts.
        versions.MapPost("/", UploadAsync)
            .Produces<VersionView>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        versions.MapGet("/", ListAsync);
        versions.MapGet("/{version:int}", GetAsync);
        versions.MapPost("/{version:int}/activate", ActivateAsync);
        return v1;
    }

    /// <summary>
    /// Streams the bundle into the store (hashed, capped, unpacked and checked), then adds the version row: the row
    /// only ever points at a complete bundle. A new version becomes active unless <c>?activate=false</c>
    /// (the first one always does).
    /// </summary>
    private static async Task<IResult> UploadAsync(
        string tenant, string function, bool? activate, HttpContext context, ClaimsPrincipal user, PlatformDbContext db,
        [FromServices] BundleStore store, IOptions<BundleOptions> options, CancellationToken cancellationToken)
    {
        Tenant? found = await db.FindVisibleTenantAsync(user, tenant, cancellationToken);
        if (found is null)
        {
            return TenantLookup.TenantNotFound(tenant);
        }
        if (await db.FindFunctionAsync(found, function, cancellationToken) is null)
        {
            return TenantLookup.FunctionNotFound(tenant, function);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            // Room for multipart framing; the bundle itself is capped while it streams.
            bodySize.MaxRequestBodySize = options.Value.MaxBytes + 1024 * 1024;
        }

        StoredBundle stored;
        try
        {
            Stream? bundle = await OpenBundleStreamAsync(context.Request, cancellationToken);
            if (bundle is null)
            {
                return UnsupportedMediaType(context.Request.ContentType);
            }
            stored = await store.AddAsync(bundle, expectedDigest: null, cancellationToken);
        }
        catch (MissingFieldException)
        {
            return ApiProblems.Invalid(BundleField, $"the multipart form has no '{BundleField}' file field");
        }
        catch (BundleException e)
        {
            return BundleProblem(e);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TypedResults.Problem($"the upload is larger than {options.Value.MaxBytes} bytes",
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "Bundle too large");
        }
        catch (InvalidDataException e)
        {
            return TypedResults.Problem($"the multipart body is malformed: {e.Message}", statusCode: StatusCodes.Status400BadRequest, title: "Malformed upload");
        }

        for (int attempt = 0; ; attempt++)
        {
            db.ChangeTracker.Clear();
            Function? f = await db.FindFunctionAsync(found, function, cancellationToken);
            if (f is null)
            {
                return TenantLookup.FunctionNotFound(tenant, function);
            }
            FunctionVersion version = await VersionNumbers.AddAsync(db, f, stored.Digest, stored.SizeBytes, cancellationToken);
            bool makeActive = activate != false || f.ActiveVersion is null;
            if (makeActive)
            {
                f.Activate(version.Number);
                f.UpdatedAt = DateTimeOffset.UtcNow;
                db.Enqueue(FunctionEvents.Activated(found, f, version));
            }
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                continue; // a concurrent upload took this number
            }
            catch (DbUpdateException)
            {
                return ApiProblems.Conflict($"concurrent changes to '{tenant}/{function}' kept taking the next version number; retry");
            }
            return TypedResults.Created($"/v1/tenants/{tenant}/functions/{function}/versions/{version.Number}",
                VersionView.From(version, f.ActiveVersion));
        }
    }

    /// <summary>The bundle bytes: the body for tar/gzip, the 'bundle' part for multipart; null for any other content type.</summary>
    private static async Task<Stream?> OpenBundleStreamAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out MediaTypeHeaderValue? type) || type.MediaType.Value is not { } mediaType)
        {
            return null;
        }
        if (TarTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase) || GzipTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase))
        {
            return request.Body;
        }
        if (!mediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        string boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value ?? "";
        if (boundary.Length == 0)
        {
            throw new InvalidDataException("no boundary in the Content-Type");
        }
        var reader = new MultipartReader(boundary, request.Body);
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (section.GetContentDispositionHeader() is { } disposition &&
                disposition.Name.Equals(BundleField, StringComparison.Ordinal))
            {
                return section.Body;
            }
            await section.Body.DrainAsync(cancellationToken);
        }
        throw new MissingFieldException(BundleField);
    }

    private static ProblemHttpResult UnsupportedMediaType(string? contentType) =>
        TypedResults.Problem(
            $"a bundle is sent as application/x-tar, application/gzip or multipart/form-data (field '{BundleField}'), not '{contentType ?? "(none)"}'",
            statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported Media Type");

    private static ProblemHttpResult BundleProblem(BundleException e) => e.Kind switch
    {
        BundleErrorKind.TooLarge => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status413PayloadTooLarge, title: "Bundle too large"),
        BundleErrorKind.InvalidConfig => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status422UnprocessableEntity, title: "Invalid config.json"),
        _ => TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid bundle"),
    };

    private static async Task<Results<Ok<List<VersionView>>, ProblemHttpResult>> ListAsync(
        string tenant, string function, ClaimsPrincipal user, PlatformDbContext db, CancellationToken cancellationToken)
    {
        FunctionLookup lookup = await db.FindVisibleFunctionAsync(user, tenant, function, cancellationToken);
        if (!lookup.Found)
        {
            return lookup.Problem;
        }
        Function f = lookup.Function;
        List<FunctionVersion> versions = await db.FunctionVersions.AsNoTracking()
            .Where(v => v.FunctionId == f.Id).OrderBy(v => v.Number).ToListAsync(cancellationToken);
        return TypedResults.Ok(versions.Select(v => VersionView.From(v, f.ActiveVersion)).ToList());
    }

    private static async Task<Results<Ok<VersionView>, ProblemHttpResult>> GetAsync(
        string tenant, string function, int version, ClaimsPrincipal user, PlatformDbContext db, CancellationToken cancellationToken)
    {
        FunctionLookup lookup = await db.FindVisibleFunctionAsync(user, tenant, function, cancellationToken);
        if (!lookup.Found)
        {
            return lookup.Problem;
        }
        Function f = lookup.Function;
        FunctionVersion? v = await db.FunctionVersions.AsNoTracking().FirstOrDefaultAsync(x => x.FunctionId == f.Id && x.Number == version, cancellationToken);
        return v is null ? VersionNotFound(function, version) : TypedResults.Ok(VersionView.From(v, f.ActiveVersion));
    }

    /// <summary>A pointer move: the version's bundle and settings serve from now on (also to roll back).</summary>
    private static async Task<Results<Ok<FunctionView>, ProblemHttpResult>> ActivateAsync(
        string tenant, string function, int version, ClaimsPrincipal user, PlatformDbContext db, CancellationToken cancellationToken)
    {
        FunctionLookup lookup = await db.FindVisibleFunctionAsync(user, tenant, function, cancellationToken);
        if (!lookup.Found)
        {
            return lookup.Problem;
        }
        Function f = lookup.Function;
        FunctionVersion? v = await db.FunctionVersions.AsNoTracking().FirstOrDefaultAsync(x => x.FunctionId == f.Id && x.Number == version, cancellationToken);
        if (v is null)
        {
            return VersionNotFound(function, version);
        }
        f.Activate(v.Number);
        // The function's settings follow the active version, so the next settings change starts from what runs.
        f.Settings = v.Settings;
        f.UpdatedAt = DateTimeOffset.UtcNow;
        db.Enqueue(FunctionEvents.Activated(lookup.Tenant, f, v));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(FunctionView.From(f, tenant));
    }

    private static ProblemHttpResult VersionNotFound(string function, int version) =>
        ApiProblems.NotFound($"function '{function}' has no version {version}");
}
