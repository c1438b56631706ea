using System.Diagnostics;
using System.Text.Json;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Tests.Cli;

/// <summary>A busybox root filesystem built once by scripts/make-rootfs, shared by the CLI tests (read-only use).</summary>
public sealed class BundleFixture : IDisposable
{
    public BundleFixture()
    {
        Dir = Directory.CreateTempSubdirectory("platform-cli-rootfs-").FullName;
        Rootfs = System.IO.Path.Combine(Dir, "rootfs");
        var script = System.IO.Path.Combine(CliBinary.RepoRoot, "scripts", "make-rootfs");
        using var make = System.Diagnostics.Process.Start(new ProcessStartInfo(script, [Rootfs]) { RedirectStandardError = true, UseShellExecute = false })!;
        var error = make.StandardError.ReadToEnd();
        make.WaitForExit();
        Available = make.ExitCode == 0;
        Error = error;
    }

    public string Dir { get; }
    public string Rootfs { get; }
    public bool Available { get; }
    public string Error { get; }

    /// <summary>A bundle folder whose config.json uses the shared rootfs by absolute path.</summary>
    public string NewBundle(string parent, Action<RuntimeSpec>? customize = null, params string[] args)
    {
        if (!Available)
        {
            Assert.Skip($"no test root filesystem: {Error}");
        }

        var bundle = System.IO.Path.Combine(parent, "bundle-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(bundle);
        var spec = DefaultSpec.Create();
        spec.Process!.Terminal = false;
        spec.Process.Args = args.Length > 0 ? [.. args] : ["/bin/true"];
        spec.Root = new Root { Path = Rootfs, Readonly = true };
        customize?.Invoke(spec);
        File.WriteAllBytes(System.IO.Path.Combine(bundle, "config.json"), JsonSerializer.SerializeToUtf8Bytes(spec, SpecJsonContext.Default.RuntimeSpec));
        return bundle;
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
