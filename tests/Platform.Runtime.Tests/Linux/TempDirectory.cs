namespace Platform.Runtime.Tests.Linux;

internal static class TempDirectory
{
    /// <summary>A fresh directory that any uid may traverse (a user-namespaced container must reach its rootfs).</summary>
    public static string Create(string prefix)
    {
        var dir = Directory.CreateTempSubdirectory(prefix).FullName;
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        return dir;
    }
}
