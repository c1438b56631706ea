using System.Diagnostics;
using Platform.Runtime.VmBackend;

namespace Platform.Runtime.Tests.VmBackend;

/// <summary>The archive is checked with GNU cpio, the reference reader of the newc format.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CpioTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cpio-test-").FullName;

    [Fact]
    public void Gnu_cpio_lists_and_extracts_every_entry_with_its_mode_and_content()
    {
        var archive = new Cpio()
            .AddDirectory("dev")
            .AddCharDevice("dev/console", 5, 1)
            .AddDirectory("platform")
            .AddFile("platform/config.json", "{\"a\":1}"u8, 0x180)
            .AddFile("init", new byte[4097], 0x1ed)
            .Finish();
        Assert.Equal(0, archive.Length % 4);
        File.WriteAllBytes(Path.Combine(_dir, "a.cpio"), archive);

        var listing = Cpio("-itv", "a.cpio");
        Assert.Contains("crw-------", listing);
        Assert.Contains("dev/console", listing);

        Directory.CreateDirectory(Path.Combine(_dir, "out"));
        Cpio("-idm", "../a.cpio", "out");
        Assert.Equal("{\"a\":1}", File.ReadAllText(Path.Combine(_dir, "out/platform/config.json")));
        Assert.Equal(4097, new FileInfo(Path.Combine(_dir, "out/init")).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "out/platform/config.json")));
        Assert.True(File.GetUnixFileMode(Path.Combine(_dir, "out/init")).HasFlag(UnixFileMode.UserExecute));
    }

    private string Cpio(string flags, string archive, string? cwd = null)
    {
        var info = new ProcessStartInfo("sh", ["-c", $"cpio {flags} < {archive}"])
        {
            WorkingDirectory = Path.Combine(_dir, cwd ?? ""),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, output);
        return output;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
