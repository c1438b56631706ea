namespace Platform.Runtime;

/// <summary>Configures <see cref="ContainerRuntime"/>.</summary>
public sealed class RuntimeOptions
{
    public const string DefaultRoot = "/run/platform-runtime";
    public const string InitBinaryEnvironmentVariable = "PLATFORM_RUNTIME_BIN";
    public const string BinaryName = "platform-runtime";

    /// <summary>The state directory: one folder per container (runc's --root).</summary>
    public string Root { get; set; } = DefaultRoot;

    /// <summary>
    /// The binary started as each container's init (the NativeAOT CLI). Null: $PLATFORM_RUNTIME_BIN, else
    /// platform-runtime beside the running executable, else artifacts/bin/platform-runtime above the app.
    /// </summary>
    public string? InitBinary { get; set; }

    /// <summary>
    /// Whether waits on a starting container init block the calling thread (polling in slices) instead of
    /// awaiting readiness on a shared epoll thread. Right for a short-lived CLI process, where any extra
    /// thread start costs more than the wait; wrong for a long-lived host creating containers concurrently,
    /// hence false by default.
    /// </summary>
    public bool BlockingWaits { get; set; }

    /// <summary>Receives warnings that do not fail an operation (a failing poststart or poststop hook, as runtime.md requires).</summary>
    public Action<string>? Warning { get; set; }

    internal string ResolveInitBinary()
    {
        if (!string.IsNullOrEmpty(InitBinary))
        {
            return Path.GetFullPath(InitBinary);
        }

        if (Environment.GetEnvironmentVariable(InitBinaryEnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            return Path.GetFullPath(fromEnvironment);
        }

        foreach (var dir in new[] { Path.GetDirectoryName(Environment.ProcessPath), AppContext.BaseDirectory })
        {
            if (dir is not null && Path.Combine(dir, BinaryName) is var beside && File.Exists(beside))
            {
                return beside;
            }
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var built = Path.Combine(dir.FullName, "artifacts", "bin", BinaryName);
            if (File.Exists(built))
            {
                return built;
            }
        }
        throw new RuntimeException(RuntimeErrorKind.Internal,
            $"cannot find the {BinaryName} init binary: set {InitBinaryEnvironmentVariable} or RuntimeOptions.InitBinary, or build it with scripts/build (it lands in artifacts/bin)");
    }
}
