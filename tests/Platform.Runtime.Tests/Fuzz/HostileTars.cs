using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Platform.Runtime.Tests.Fuzz;

/// <summary>
/// Generators for untrusted bundle uploads: tars written with System.Formats.Tar from hostile entry lists (escaping
/// names, links out of the bundle, device nodes, deep and long paths, duplicates), optionally gzipped, then
/// optionally truncated, bit-flipped or with a header field rewritten (checksum fixed, so the tar reader gets past it).
/// Link targets point only into the sandbox's "outside" folder: a bug must show up there, never on the host.
/// </summary>
internal static class HostileTars
{
    private const int BlockSize = 512;

    public sealed record Entry(TarEntryType Type, string Name, string LinkName, byte[] Data, int Mode);

    public enum Mutation { None, Truncate, FlipBytes, PatchHeader }

    /// <summary>An archive and how it was made, so a failing case reads as more than a byte dump.</summary>
    public sealed record Archive(byte[] Bytes, string Recipe)
    {
        public override string ToString() => $"{Recipe} ({Bytes.Length} bytes)";
    }

    public static Gen<Archive> Any(string outside) => Gen.Frequency(
        (1, RandomBytes()),
        (6, Built(outside)),
        (1, Bomb()));

    /// <summary>Bytes that are no tar at all, some with the gzip magic so the gzip path sees garbage too.</summary>
    private static Gen<Archive> RandomBytes() =>
        from bytes in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>())
        from gzipMagic in ArbMap.Default.GeneratorFor<bool>()
        let data = gzipMagic ? [0x1f, 0x8b, .. bytes] : bytes
        select new Archive(data, gzipMagic ? "random bytes after the gzip magic" : "random bytes");

    /// <summary>Zeros in one file: a few KiB gzipped, up to ~2 MiB unpacked, on both sides of the fuzz limit.</summary>
    private static Gen<Archive> Bomb() =>
        from kib in Gen.Choose(1, 2048)
        let tar = Write(TarEntryFormat.Pax, [new Entry(TarEntryType.RegularFile, "zeros", "", new byte[kib * 1024], 0x1a4)])
        select new Archive(Gzip(tar), $"gzip of {kib} KiB of zeros");

    private static Gen<Archive> Built(string outside) =>
        from format in Gen.Elements(TarEntryFormat.Pax, TarEntryFormat.Gnu, TarEntryFormat.Ustar, TarEntryFormat.V7)
        from valid in ArbMap.Default.GeneratorFor<bool>()
        from entries in Gen.ListOf(EntryGen(outside)).Select(l => l.Take(24).ToList())
        from gzip in ArbMap.Default.GeneratorFor<bool>()
        from mutation in Gen.Frequency((4, Gen.Constant(Mutation.None)), (1, Gen.Constant(Mutation.Truncate)),
            (1, Gen.Constant(Mutation.FlipBytes)), (2, Gen.Constant(Mutation.PatchHeader)))
        from seed in ArbMap.Default.GeneratorFor<int>()
        let all = valid ? [.. ValidBundle(), .. entries] : entries
        let tar = Write(format, all)
        let packed = gzip && mutation != Mutation.PatchHeader ? Gzip(tar) : tar
        select new Archive(Mutate(packed, mutation, new Random(seed)),
            $"{format} tar{(gzip && mutation != Mutation.PatchHeader ? ".gz" : "")}, {mutation} (seed {seed}): " +
            string.Join(", ", all.Select(e => $"{e.Type} '{Short(e.Name)}'{(e.LinkName.Length > 0 ? $" -> '{Short(e.LinkName)}'" : "")}")));

    private static string Short(string name) => name.Length <= 40 ? name : $"{name[..20]}…({name.Length} chars)";

    /// <summary>config.json and rootfs/ as the store wants them, so hostile entries after them reach the store's later steps.</summary>
    public static Entry[] ValidBundle() =>
    [
        new(TarEntryType.Directory, "rootfs/", "", [], 0x1ed),
        new(TarEntryType.RegularFile, "config.json", "", Encoding.UTF8.GetBytes(SpecInputs.MinimalConfig), 0x1a4),
    ];

    private static Gen<Entry> EntryGen(string outside) =>
        from type in Gen.Elements(TarEntryType.RegularFile, TarEntryType.RegularFile, TarEntryType.Directory,
            TarEntryType.SymbolicLink, TarEntryType.SymbolicLink, TarEntryType.HardLink, TarEntryType.CharacterDevice,
            TarEntryType.BlockDevice, TarEntryType.Fifo)
        from name in Name()
        from link in LinkTarget(outside)
        from size in Gen.Frequency((6, Gen.Choose(0, 64)), (1, Gen.Choose(0, 70_000)))
        from mode in Gen.Choose(0, 0xfff)
        select new Entry(type, name, link, Encoding.ASCII.GetBytes(new string('x', size)), mode);

    private static Gen<string> Name() => Gen.Frequency(
        (8, from parts in Gen.NonEmptyListOf(Gen.Elements("a", "b", "rootfs", "config.json", "..", ".", "", "a\\b", "é", " ", "-"))
            from prefix in Gen.Elements("", "", "", "/", "./", "//")
            select prefix + string.Join('/', parts.Take(5))),
        (1, from depth in Gen.Choose(1, 400) select string.Concat(Enumerable.Repeat("d/", depth)) + "f"),
        (1, from length in Gen.Choose(100, 600) select new string('n', length)));

    private static Gen<string> LinkTarget(string outside) => Gen.Elements(
        outside, Path.Join(outside, "sentinel"), "../outside", "../outside/sentinel", "../../", "/", "a", "b", "a/b",
        "rootfs", "config.json", "", "..", "d/d/f");

    public static byte[] Write(TarEntryFormat format, IEnumerable<Entry> entries)
    {
        using var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, format, leaveOpen: true))
        {
            foreach (Entry e in entries)
            {
                TarEntry entry;
                try
                {
                    entry = NewEntry(format, e);
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                {
                    continue; // this format cannot say it (a V7 fifo, a 300-byte ustar name): the bytes mutations still try
                }
                if (e.Type is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                {
                    entry.DataStream = new MemoryStream(e.Data);
                }
                try
                {
                    writer.WriteEntry(entry);
                }
                catch (ArgumentException)
                {
                }
            }
        }
        return stream.ToArray();
    }

    private static TarEntry NewEntry(TarEntryFormat format, Entry e)
    {
        TarEntryType type = format == TarEntryFormat.V7 && e.Type == TarEntryType.RegularFile ? TarEntryType.V7RegularFile : e.Type;
        TarEntry entry = format switch
        {
            TarEntryFormat.Pax => new PaxTarEntry(type, e.Name),
            TarEntryFormat.Gnu => new GnuTarEntry(type, e.Name),
            TarEntryFormat.Ustar => new UstarTarEntry(type, e.Name),
            _ => new V7TarEntry(type, e.Name),
        };
        entry.Mode = (UnixFileMode)e.Mode;
        if (type is TarEntryType.SymbolicLink or TarEntryType.HardLink)
        {
            entry.LinkName = e.LinkName;
        }
        return entry;
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

    private static byte[] Mutate(byte[] data, Mutation mutation, Random random)
    {
        if (data.Length == 0)
        {
            return data;
        }
        byte[] copy = (byte[])data.Clone();
        switch (mutation)
        {
            case Mutation.Truncate:
                return copy[..random.Next(copy.Length)];
            case Mutation.FlipBytes:
                for (int i = random.Next(1, 9); i > 0; i--)
                {
                    copy[random.Next(copy.Length)] = (byte)random.Next(256);
                }
                return copy;
            case Mutation.PatchHeader:
                PatchHeader(copy, random.Next(Math.Max(1, copy.Length / BlockSize)) * BlockSize, random);
                return copy;
            default:
                return copy;
        }
    }

    /// <summary>Rewrites one header field with a hostile value and fixes the checksum, so the reader parses the lie.</summary>
    private static void PatchHeader(byte[] tar, int block, Random random)
    {
        if (block + BlockSize > tar.Length)
        {
            return;
        }
        (int offset, int length, string[] values) = random.Next(7) switch
        {
            0 => (124, 12, new[] { "77777777777\0", "99999999999\0", "-1\0", "          \0", "\u0080\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff" }), // size
            1 => (156, 1, new[] { "0", "1", "2", "3", "4", "5", "6", "7", "x", "g", "L", "K", "S", "V", "M", "D", "N", "\0", "Z" }), // typeflag
            2 => (0, 100, new[] { "../escape\0", "/abs\0", "a/../../x\0", "\0", "rootfs/../../x\0" }), // name
            3 => (157, 100, new[] { "../outside/sentinel\0", "/\0", "..\0", "\0" }), // linkname
            4 => (100, 8, new[] { "7777777\0", "zzzzzzz\0", "\0" }), // mode
            5 => (257, 8, new[] { "ustar\0" + "00", "ustar  \0", "\0\0\0\0\0\0\0\0" }), // magic and version
            _ => (345, 155, new[] { "..\0", "/\0", new string('p', 155) }), // ustar prefix
        };
        byte[] value = Encoding.Latin1.GetBytes(values[random.Next(values.Length)]);
        Array.Clear(tar, block + offset, length);
        value.AsSpan(0, Math.Min(value.Length, length)).CopyTo(tar.AsSpan(block + offset));
        int sum = 0;
        for (int i = 0; i < BlockSize; i++)
        {
            sum += i is >= 148 and < 156 ? ' ' : tar[block + i];
        }
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(tar, block + 148);
    }
}
