namespace Platform.Runtime.Tests.Linux;

/// <summary>
/// What real-container tests need from this machine: root and the init binary (scripts/build publishes it;
/// scripts/test exports PLATFORM_RUNTIME_BIN). A shared busybox root filesystem is built once per test run.
/// </summary>
public sealed class ContainerHost : IDisposable
{
    private readonly string _dir;

    public ContainerHost()
    {
        InitBinary = FindInitBinary();
        SkipReason = Environment.UserName != "root" ? "needs root"
            : InitBinary is null ? "init binary not found: set PLATFORM_RUNTIME_BIN or run scripts/build (artifacts/bin/platform-runtime)"
            : !File.Exists("/bin/busybox") ? "busybox-static missing (scripts/setup installs it)"
            : null;
        _dir = TempDirectory.Create("platform-rootfs-");
        Rootfs = Path.Combine(_dir, "rootfs");
        if (SkipReason is null)
        {
            RunScript("make-rootfs", Rootfs);
        }
    }

    public string? InitBinary { get; }
    public string Rootfs { get; }
    public string? SkipReason { get; }

    /// <summary>Skips the calling test (with the reason printed) when this machine cannot run containers.</summary>
    public void RequireContainers()
    {
        if (SkipReason is not null)
        {
            Assert.Skip(SkipReason);
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string? FindInitBinary()
    {
        var fromEnv = Environment.GetEnvironmentVariable("PLATFORM_RUNTIME_BIN");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return File.Exists(fromEnv) ? fromEnv : null;
        }

        var candidate = Path.Combine(RepoRoot(), "artifacts", "bin", "platform-runtime");
        return File.Exists(candidate) ? candidate : null;
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("repository root (Platform.sln) not found above the test binaries");
    }

    private static void RunScript(string name, string argument)
    {
        using var process = System.Diagnostics.Process.Start(Path.Combine(RepoRoot(), "scripts", name), [argument]);
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/{name} failed with {process.ExitCode}");
        }
    }
}

/// <summary>Real containers run one at a time: each uses both cores while it starts, and they share the rootfs.</summary>
[CollectionDefinition(Name)]
public sealed class ContainerCollection : ICollectionFixture<ContainerHost>
{
    public const string Name = "linux-containers";
}
