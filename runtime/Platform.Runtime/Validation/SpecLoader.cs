using System.Text.Json;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Validation;

/// <summary>Reads a bundle's config.json; syntax and type errors name the JSON path where they occurred.</summary>
internal static class SpecLoader
{
    public const string ConfigFileName = "config.json";

    /// <summary>The bundle's absolute path; throws when it is not a directory.</summary>
    public static string ResolveBundle(string bundlePath)
    {
        if (string.IsNullOrWhiteSpace(bundlePath))
            throw new RuntimeException("bundle: path must not be empty");
        var full = Path.GetFullPath(bundlePath);
        if (!Directory.Exists(full))
            throw new RuntimeException($"bundle {full}: no such directory");
        return full;
    }

    public static RuntimeSpec Load(string bundle)
    {
        var configPath = Path.Combine(bundle, ConfigFileName);
        byte[] json;
        try
        {
            json = File.ReadAllBytes(configPath);
        }
        catch (FileNotFoundException)
        {
            throw new RuntimeException($"bundle {bundle}: {ConfigFileName} not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuntimeException($"{configPath}: {e.Message}", e);
        }
        return Parse(json);
    }

    public static RuntimeSpec Parse(ReadOnlySpan<byte> json)
    {
        RuntimeSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize(json, SpecJsonContext.Default.RuntimeSpec);
        }
        catch (JsonException e)
        {
            throw new RuntimeException($"{ConfigFileName}: {Describe(e)}", e);
        }
        return spec ?? throw new RuntimeException($"{ConfigFileName}: must be a JSON object");
    }

    /// <summary>"process.args[0]: The JSON value could not be converted to System.String (line 4)" from System.Text.Json's message.</summary>
    private static string Describe(JsonException e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0)
            cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        if (cut >= 0)
            message = message[..cut];
        message = message.TrimEnd('.', ' ');
        var path = e.Path is null or "$" ? null : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path.TrimStart('$');
        var where = e.LineNumber is { } line ? $" (line {line + 1})" : "";
        return path is null ? $"invalid JSON: {message}{where}" : $"{path}: {message}{where}";
    }
}
