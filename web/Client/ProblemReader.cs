using System.Net;
using System.Text.Json;

namespace Platform.Web.Client;

/// <summary>Turns an error answer (RFC 9457 problem+json, or anything else) into a readable exception.</summary>
internal static class ProblemReader
{
    public static async Task<PlatformApiException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var detail = await ReadDetailAsync(response, cancellationToken);
        var message = detail is null
            ? $"The API answered {(int)status} {Reason(status, response.ReasonPhrase)}."
            : $"The API answered {(int)status}: {detail}";
        return new PlatformApiException(status, message);
    }

    private static string Reason(HttpStatusCode status, string? phrase) =>
        string.IsNullOrEmpty(phrase) ? status.ToString() : phrase;

    private static async Task<string?> ReadDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is not ("application/problem+json" or "application/json"))
        {
            return null;
        }

        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            // detail says what went wrong with this request; a validation problem says it per field instead;
            // title is only the generic name of the problem type.
            return Text(document.RootElement, "detail") ?? FieldErrors(document.RootElement) ?? Text(document.RootElement, "title");
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>ASP.NET Core's validation problem: <c>"errors": {"name": ["must be ..."]}</c>.</summary>
    private static string? FieldErrors(JsonElement problem)
    {
        if (!problem.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var messages = errors.EnumerateObject()
            .SelectMany(field => field.Value.ValueKind == JsonValueKind.Array
                ? field.Value.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String).Select(m => $"{field.Name} {m.GetString()}")
                : [])
            .ToList();
        return messages.Count == 0 ? null : string.Join("; ", messages);
    }

    private static string? Text(JsonElement problem, string name) =>
        problem.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : null;
}
