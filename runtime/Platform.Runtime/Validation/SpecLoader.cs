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
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidArgument, "bundle: path must not be empty");
        }

        var full = Path.GetFullPath(bundlePath);
        if (!Directory.Exists(full))
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidArgument, $"bundle {full}: no such directory");
        }

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
            throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"bundle {bundle}: {ConfigFileName} not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuntimeException(RuntimeException.KindOf(e), $"{configPath}: {e.Message}", e);
        }
        return Parse(json);
    }

    public static RuntimeSpec Parse(ReadOnlySpan<byte> json)
    {
        RuntimeSpec? spec;
        try
        {
            spec = SpecReader.Read(json);
        }
        catch (SpecReadException e)
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{ConfigFileName}: {Describe(e)}", e);
        }
        return spec ?? throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{ConfigFileName}: must be a JSON object");
    }

    /// <summary>"process.args[1]: expected a string, found 1 (line 4)"; "invalid JSON: ..." where no property is being read.</summary>
    private static string Describe(SpecReadException e)
    {
        var where = $" (line {e.Line})";
        if (e.Path is not null)
        {
            return $"{e.Path}: {e.Reason}{where}";
        }

        return e.IsSyntaxError ? $"invalid JSON: {e.Reason}{where}" : $"{e.Reason}{where}";
    }
}
