using System.Buffers.Binary;
using Platform.Runtime.Vmm.Arch.X86_64;
using Platform.Runtime.Vmm.Vstate;

namespace Platform.Runtime.Vmm.Loader;

/// <summary>
/// Loads an uncompressed x86-64 kernel ELF (vmlinux): each PT_LOAD segment is copied to its physical address
/// and zero-filled to its memory size; the entry point is e_entry, entered in 64-bit mode. Every offset and
/// size from the file is checked against the file and against guest RAM before anything is copied.
/// </summary>
public static class Elf
{
    private const int HeaderSize = 64, ProgramHeaderSize = 56;
    private const ushort MachineX86_64 = 62;
    private const ushort TypeExec = 2, TypeDyn = 3;
    private const uint PtLoad = 1;

    public static bool IsElf(ReadOnlySpan<byte> image) =>
        image.Length >= 4 && image[0] == 0x7f && image[1] == (byte)'E' && image[2] == (byte)'L' && image[3] == (byte)'F';

    public static KernelImage Load(GuestMemory memory, ReadOnlySpan<byte> image)
    {
        if (image.Length < HeaderSize || !IsElf(image))
        {
            throw Bad("not an ELF file (bad magic or shorter than an ELF header)");
        }
        if (image[4] != 2 || image[5] != 1)
        {
            throw Bad("not a 64-bit little-endian ELF");
        }
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(image[16..]);
        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(image[18..]);
        if (machine != MachineX86_64 || type is not (TypeExec or TypeDyn))
        {
            throw Bad($"not an x86-64 executable (e_type {type}, e_machine {machine})");
        }
        ulong entry = BinaryPrimitives.ReadUInt64LittleEndian(image[24..]);
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(image[32..]);
        ushort phentsize = BinaryPrimitives.ReadUInt16LittleEndian(image[54..]);
        ushort phnum = BinaryPrimitives.ReadUInt16LittleEndian(image[56..]);
        if (phentsize != ProgramHeaderSize || phnum == 0 || phoff > (ulong)image.Length
            || (ulong)phnum * ProgramHeaderSize > (ulong)image.Length - phoff)
        {
            throw Bad($"program headers (offset {phoff}, {phnum} of {phentsize} bytes) lie outside the file");
        }

        ulong end = 0;
        bool entryLoaded = false;
        for (int i = 0; i < phnum; i++)
        {
            ReadOnlySpan<byte> ph = image.Slice((int)phoff + i * ProgramHeaderSize, ProgramHeaderSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) != PtLoad)
            {
                continue;
            }
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]);
            ulong paddr = BinaryPrimitives.ReadUInt64LittleEndian(ph[24..]);
            ulong filesz = BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]);
            ulong memsz = BinaryPrimitives.ReadUInt64LittleEndian(ph[40..]);
            if (offset > (ulong)image.Length || filesz > (ulong)image.Length - offset || filesz > memsz)
            {
                throw Bad($"segment {i} (offset {offset}, {filesz} bytes) lies outside the file");
            }
            if (paddr < Layout.HighMem)
            {
                throw Bad($"segment {i} loads at 0x{paddr:x}, below 1 MiB where the boot structures live");
            }
            if (memsz > int.MaxValue || !memory.Contains(paddr, memsz))
            {
                throw Bad($"segment {i} (0x{paddr:x}+0x{memsz:x}) does not fit in guest memory of {memory.Size >> 20} MiB");
            }
            Span<byte> target = memory.GetSpan(paddr, (int)memsz);
            image.Slice((int)offset, (int)filesz).CopyTo(target);
            target[(int)filesz..].Clear();
            end = Math.Max(end, paddr + memsz);
            entryLoaded |= entry >= paddr && entry < paddr + memsz;
        }
        if (end == 0)
        {
            throw Bad("no PT_LOAD segment");
        }
        if (!entryLoaded)
        {
            throw Bad($"entry point 0x{entry:x} is not inside a loaded segment");
        }
        return new KernelImage(entry, end, [], Layout.DefaultInitrdAddrMax, Layout.CmdlineMaxSize);
    }

    private static VmmException Bad(string why) => new(VmmError.InvalidKernel, $"bad ELF kernel: {why}");
}
