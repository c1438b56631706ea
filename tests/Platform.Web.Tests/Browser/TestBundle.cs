using System.Formats.Tar;
using System.Text;

namespace Platform.Web.Tests.Browser;

/// <summary>The smallest valid bundles: config.json and an empty root filesystem.</summary>
internal static class TestBundle
{
    /// <param name="program">The function's program; different programs make bundles with different digests.</param>
    public static byte[] Tar(string program = "/bin/httpd")
    {
        var config = $$$"""
            {"ociVersion":"1.2.0","process":{"args":["{{{program}}}","-f"],"cwd":"/"},"root":{"path":"rootfs"}}
            """;
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "config.json")
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(config)),
            });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "rootfs/"));
        }

        return tar.ToArray();
    }
}
