namespace Platform.Runtime.Tests.Cli;

/// <summary>
/// runc-dropin.sh drives a runtime the way containerd's shim drives runc. It must pass with runc itself (so the
/// script checks real runc behaviour) and with platform-runtime (so we are a drop-in).
/// </summary>
public sealed class RuncDropInTests(BundleFixture rootfs) : IClassFixture<BundleFixture>, IDisposable
{
    private static readonly string[] RuncPaths = ["/usr/sbin/runc", "/usr/bin/runc"];

    private readonly string _dir = Directory.CreateTempSubdirectory("platform-dropin-").FullName;

    private static string Script => Path.Combine(CliBinary.RepoRoot, "tests", "Platform.Runtime.Tests", "Cli", "runc-dropin.sh");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<CliBinary.Result> DriveAsync(string runtime)
    {
        if (!File.Exists("/usr/bin/jq"))
        {
            Assert.Skip("the drop-in script needs jq (apt-get install jq)");
        }

        var bundle = rootfs.NewBundle(_dir, null, "/bin/sleep", "1000");
        var id = "dropin" + Guid.NewGuid().ToString("N")[..8];
        return await CliBinary.RunAsync(Script, [runtime, Path.Combine(_dir, "state"), bundle, id], timeout: TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task Platform_runtime_passes_the_shim_script()
    {
        var exe = CliBinary.Require(root: true);

        var r = await DriveAsync(exe);

        Assert.True(r.ExitCode == 0, CliBinary.Describe(r));
        Assert.Contains("runc-dropin: ok", r.Stdout);
    }

    [Fact]
    public async Task Runc_passes_the_shim_script_so_the_script_tests_real_runc_behaviour()
    {
        CliBinary.Require(root: true);
        var runc = RuncPaths.FirstOrDefault(File.Exists);
        if (runc is null)
        {
            Assert.Skip("runc is not installed (scripts/setup installs it)");
        }

        var r = await DriveAsync(runc);

        Assert.True(r.ExitCode == 0, CliBinary.Describe(r));
    }
}
