using Platform.Runtime.State;

namespace Platform.Runtime.Tests.State;

public sealed class FolderOwnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("platform-owner-").FullName;

    [Fact]
    public void The_owner_is_named_from_the_passwd_file()
    {
        var passwd = Path.Combine(_dir, "passwd");
        File.WriteAllLines(passwd, ["broken line", "daemon:x:1:1::/:/bin/false", $"me:x:{Uid()}:0::/:/bin/sh"]);

        Assert.Equal("me", FolderOwner.Of(_dir, passwd));
    }

    [Fact]
    public void An_unnamed_owner_is_shown_by_number_and_a_missing_folder_by_nothing()
    {
        var passwd = Path.Combine(_dir, "passwd");
        File.WriteAllText(passwd, "other:x:424242:0::/:/bin/sh\n");

        Assert.Equal($"#{Uid()}", FolderOwner.Of(_dir, passwd));
        Assert.Equal($"#{Uid()}", FolderOwner.Of(_dir, Path.Combine(_dir, "no-such-passwd")));
        Assert.Equal("", FolderOwner.Of(Path.Combine(_dir, "gone"), passwd));
    }

    private static uint Uid() => uint.Parse(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t')[1], System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
