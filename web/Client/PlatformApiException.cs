using System.Net;

namespace Platform.Web.Client;

/// <summary>A call to the REST API failed: either no answer (<see cref="StatusCode"/> is null) or an error status.</summary>
public sealed class PlatformApiException : Exception
{
    public PlatformApiException(HttpStatusCode? statusCode, string message, Exception? inner = null, IReadOnlyDictionary<string, string[]>? fieldErrors = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
        FieldErrors = fieldErrors ?? new Dictionary<string, string[]>();
    }

    /// <summary>A validation problem's messages by JSON field (<c>memoryMiB</c>, <c>env.NAME</c>), for a form to show by each input.</summary>
    public IReadOnlyDictionary<string, string[]> FieldErrors { get; }

    /// <summary>The HTTP status the API answered with; null when it could not be reached at all.</summary>
    public HttpStatusCode? StatusCode { get; }

    public bool IsUnreachable => StatusCode is null;
    public bool IsUnauthorized => StatusCode == HttpStatusCode.Unauthorized;
    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    /// <summary>Admin-only resources asked for with a tenant key: the API may say 403 or hide them with 404.</summary>
    public bool IsForbiddenOrHidden => StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound;
}
