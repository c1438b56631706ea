using Platform.Runtime.Spec;
using Platform.Runtime.Validation;

namespace Platform.Runtime.Bundles;

/// <summary>
/// Reads and checks an unpacked bundle's config.json before the bundle may enter the store: the runtime's own
/// validator (every field, by JSON path) plus what only an uploaded bundle must obey (config.json a regular file,
/// the root filesystem a real directory inside the bundle, a process to run).
/// </summary>
public static class BundleConfig
{
    public const string FileName = SpecLoader.ConfigFileName;
    private const long MaxConfigBytes = 4 * 1024 * 1024;

    /// <exception cref="BundleException">InvalidConfig, with the JSON path at fault.</exception>
    public static RuntimeSpec Load(string bundleDirectory)
    {
        string path = Path.Join(bundleDirectory, FileName);
        FileAttributes? attributes = BundleExtractor.Lstat(path);
        if (attributes is null)
        {
            throw Invalid($"{FileName} is missing at the top of the bundle");
        }
        // A symlinked config.json would make this process read whatever it points to on the host.
        if (BundleExtractor.IsSymlink(attributes.Value) || attributes.Value.HasFlag(FileAttributes.Directory))
        {
            throw Invalid($"{FileName} must be a regular file");
        }
        if (new FileInfo(path).Length > MaxConfigBytes)
        {
            throw Invalid($"{FileName} is larger than {MaxConfigBytes} bytes");
        }

        try
        {
            RuntimeSpec spec = SpecLoader.Parse(File.ReadAllBytes(path));
            // A bundle runs process.args; a Windows-style commandLine alone would leave nothing to run.
            if (spec.Process?.Args is not { Count: > 0 })
            {
                throw Invalid($"invalid {FileName}: process.args: must not be empty");
            }
            CheckRoot(spec.Root?.Path, bundleDirectory);
            SpecValidator.Validate(spec, bundleDirectory);
            return spec;
        }
        catch (RuntimeException e) when (e is not BundleException)
        {
            throw Invalid(e.Message, e);
        }
    }

    /// <summary>root.path must be a real directory inside the bundle, reached without symlinks (else a bundle could make "/" its root).</summary>
    private static void CheckRoot(string? rootPath, string bundleDirectory)
    {
        if (string.IsNullOrEmpty(rootPath))
        {
            throw Invalid($"invalid {FileName}: root.path: required");
        }
        string[] parts = rootPath.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        // A NUL cannot be in a file name; .NET refuses such a path with an ArgumentException rather than an answer.
        if (rootPath.StartsWith('/') || parts.Length == 0 || parts.Contains("..") || rootPath.Contains('\0'))
        {
            throw Invalid($"invalid {FileName}: root.path: must be a relative path inside the bundle, not \"{rootPath}\"");
        }
        string current = bundleDirectory;
        foreach (string part in parts)
        {
            current = Path.Join(current, part);
            FileAttributes? attributes = BundleExtractor.Lstat(current);
            if (attributes is not { } a || BundleExtractor.IsSymlink(a) || !a.HasFlag(FileAttributes.Directory))
            {
                throw Invalid($"invalid {FileName}: root.path: \"{rootPath}\" is not a directory in the bundle");
            }
        }
    }

    private static BundleException Invalid(string message, Exception? inner = null) =>
        new(BundleErrorKind.InvalidConfig, message, inner);
}
