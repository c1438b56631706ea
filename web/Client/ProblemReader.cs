using System.Net;
using System.Text.Json;

namespace Platform.Web.Client;

/// <summary>Turns an error answer (RFC 9457 problem+json, or anything else) into a readable exception.</summary>
internal static class ProblemReader
{
    public static async Task<PlatformApiException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var (detail, fields) = await ReadDetailAsync(response, cancellationToken);
        var message = detail is null
            ? $"The API answered {(int)status} {Reason(status, response.ReasonPhrase)}."
            : $"The API answered {(int)status}: {detail}";
        return new PlatformApiException(status, message, fieldErrors: fields);
    }

    private static string Reason(HttpStatusCode status, string? phrase) =>
        string.IsNullOrEmpty(phrase) ? status.ToString() : phrase;

    private static async Task<(string? Detail, Dictionary<string, string[]>? Fields)> ReadDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is not ("application/problem+json" or "application/json"))
        {
            return (null, null);
        }

        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            // detail says what went wrong with this request; a validation problem says it per field instead;
            // title is only the generic name of the problem type.
            var fields = FieldErrors(document.RootElement);
            var joined = fields.Count == 0 ? null : string.Join("; ", fields.SelectMany(f => f.Value.Select(m => $"{f.Key} {m}")));
            return (Text(document.RootElement, "detail") ?? joined ?? Text(document.RootElement, "title"), fields);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    /// <summary>ASP.NET Core's validation problem: <c>"errors": {"name": ["must be ..."]}</c>.</summary>
    private static Dictionary<string, string[]> FieldErrors(JsonElement problem)
    {
        if (!problem.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Object)
        {
            return [];
        }
        return errors.EnumerateObject()
            .Select(field => (field.Name, Messages: field.Value.ValueKind == JsonValueKind.Array
                ? field.Value.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String).Select(m => m.GetString()!).ToArray()
                : []))
            .Where(f => f.Messages.Length > 0)
            .ToDictionary(f => f.Name, f => f.Messages);
    }

    private static string? Text(JsonElement problem, string name) =>
        problem.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : null;
}
