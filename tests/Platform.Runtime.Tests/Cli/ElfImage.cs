using System.Buffers.Binary;
using System.Text;

namespace Platform.Runtime.Tests.Cli;

/// <summary>
/// The parts of an ELF64 little-endian file the image checks read: the symbol table (.symtab) and the GNU build
/// ID. Every offset is checked against the file, so a truncated or foreign file fails with a message.
/// </summary>
internal sealed class ElfImage
{
    private const uint SectionSymtab = 2, SectionNote = 7, NoteGnuBuildId = 3;

    private readonly byte[] _file;
    private readonly List<(uint Type, int Offset, int Size, uint Link)> _sections = [];

    public ElfImage(string path)
    {
        _file = File.ReadAllBytes(path);
        if (_file.Length < 64 || !_file.AsSpan(0, 4).SequenceEqual("\u007fELF"u8) || _file[4] != 2 || _file[5] != 1)
        {
            throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file");
        }

        int shoff = checked((int)U64(0x28));
        int shentsize = U16(0x3a), shnum = U16(0x3c);
        for (int i = 0; i < shnum; i++)
        {
            int h = checked(shoff + i * shentsize);
            _sections.Add((U32(h + 4), checked((int)U64(h + 0x18)), checked((int)U64(h + 0x20)), U32(h + 0x28)));
        }
    }

    /// <summary>The names of every symbol in .symtab (empty when the file was stripped).</summary>
    public IReadOnlyList<string> SymbolNames()
    {
        var names = new List<string>();
        foreach (var symtab in _sections.Where(s => s.Type == SectionSymtab))
        {
            var strtab = _sections[checked((int)symtab.Link)];
            for (int e = symtab.Offset; e + 24 <= symtab.Offset + symtab.Size; e += 24)
            {
                int name = checked(strtab.Offset + (int)U32(e));
                int end = Array.IndexOf(_file, (byte)0, name, strtab.Offset + strtab.Size - name);
                if (end > name)
                {
                    names.Add(Encoding.ASCII.GetString(_file, name, end - name));
                }
            }
        }
        return names;
    }

    /// <summary>The GNU build ID in hex, or null when the linker wrote none.</summary>
    public string? BuildId()
    {
        foreach (var note in _sections.Where(s => s.Type == SectionNote))
        {
            for (int p = note.Offset; p + 12 <= note.Offset + note.Size;)
            {
                int nameSize = checked((int)U32(p)), descSize = checked((int)U32(p + 4));
                uint type = U32(p + 8);
                int desc = p + 12 + Align4(nameSize);
                if (type == NoteGnuBuildId && _file.AsSpan(p + 12, nameSize).SequenceEqual("GNU\0"u8))
                {
                    return Convert.ToHexString(_file, desc, descSize);
                }

                p = desc + Align4(descSize);
            }
        }
        return null;
    }

    private static int Align4(int n) => (n + 3) & ~3;

    private ushort U16(int at) => BinaryPrimitives.ReadUInt16LittleEndian(_file.AsSpan(at, 2));

    private uint U32(int at) => BinaryPrimitives.ReadUInt32LittleEndian(_file.AsSpan(at, 4));

    private ulong U64(int at) => BinaryPrimitives.ReadUInt64LittleEndian(_file.AsSpan(at, 8));
}
