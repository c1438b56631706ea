using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Platform.Api.Tests.Infrastructure;

/// <summary>Builds bundle tars in memory: a valid one, and hostile ones entry by entry.</summary>
public static class TestBundles
{
    public const string ValidConfig = """
        {
          "ociVersion": "1.0.2",
          "root": { "path": "rootfs" },
          "process": { "args": ["/bin/httpd", "-f"], "cwd": "/", "env": ["PATH=/bin"] }
        }
        """;

    public static byte[] Valid(string marker = "v1") => Tar(w =>
    {
        FileEntry(w, "config.json", ValidConfig);
        DirectoryEntry(w, "rootfs/");
        DirectoryEntry(w, "rootfs/bin/");
        FileEntry(w, "rootfs/bin/httpd", "#!/bin/sh\necho " + marker + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        SymlinkEntry(w, "rootfs/bin/sh", "/bin/httpd");
        HardLinkEntry(w, "rootfs/bin/httpd2", "rootfs/bin/httpd");
    });

    public static byte[] WithConfig(string config) => Tar(w =>
    {
        FileEntry(w, "config.json", config);
        DirectoryEntry(w, "rootfs/");
    });

    public static byte[] Tar(Action<TarWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            write(writer);
        }
        return stream.ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        using var stream = new MemoryStream();
        using (var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }
        return stream.ToArray();
    }

    public static void FileEntry(TarWriter writer, string name, string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite) =>
        FileEntry(writer, name, Encoding.UTF8.GetBytes(content), mode);

    public static void FileEntry(TarWriter writer, string name, byte[] content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content), Mode = mode };
        writer.WriteEntry(entry);
    }

    public static void DirectoryEntry(TarWriter writer, string name) =>
        writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name) { Mode = (UnixFileMode)0b111_101_101 });

    public static void SymlinkEntry(TarWriter writer, string name, string target) =>
        writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target });

    public static void HardLinkEntry(TarWriter writer, string name, string target) =>
        writer.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target });

    public static void SpecialEntry(TarWriter writer, TarEntryType type, string name)
    {
        var entry = new PaxTarEntry(type, name);
        if (type is TarEntryType.CharacterDevice or TarEntryType.BlockDevice)
        {
            entry.DeviceMajor = 1;
            entry.DeviceMinor = 3;
        }
        writer.WriteEntry(entry);
    }
}
