using System.Buffers.Binary;
using Platform.Runtime.Vmm.Arch.X86_64;
using Platform.Runtime.Vmm.Builder;
using Platform.Runtime.Vmm.Loader;
using Platform.Runtime.Vmm.Tests.Infrastructure;
using Platform.Runtime.Vmm.Vstate;

namespace Platform.Runtime.Vmm.Tests;

public sealed class LoaderTests
{
    [Fact]
    public void Elf_segments_land_at_their_physical_addresses()
    {
        byte[] elf = GuestPrograms.TestKernel();
        using var memory = new GuestMemory(16 << 20);
        KernelImage kernel = Elf.Load(memory, elf);
        Assert.Equal(0x200000UL, kernel.Entry);
        Assert.True(kernel.End > kernel.Entry);
        // The first PT_LOAD's bytes are at its p_paddr.
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(32));
        ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan((int)phoff + 8));
        Assert.Equal(elf.AsSpan((int)offset, 64).ToArray(), memory.GetSpan(0x200000, 64).ToArray());
        Assert.Empty(kernel.SetupHeader);
    }

    [Fact]
    public void Truncated_or_foreign_elf_files_are_rejected_as_bad_kernels()
    {
        byte[] elf = GuestPrograms.TestKernel();
        using var memory = new GuestMemory(16 << 20);
        Assert.Equal(VmmError.InvalidKernel, Assert.Throws<VmmException>(() => Elf.Load(memory, elf.AsSpan(0, 100))).Error);

        byte[] arm = (byte[])elf.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(arm.AsSpan(18), 183); // EM_AARCH64
        Assert.Contains("x86-64", Assert.Throws<VmmException>(() => Elf.Load(memory, arm)).Message);

        byte[] low = (byte[])elf.Clone();
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(32));
        BinaryPrimitives.WriteUInt64LittleEndian(low.AsSpan((int)phoff + 24), 0x1000);
        Assert.Contains("below 1 MiB", Assert.Throws<VmmException>(() => Elf.Load(memory, low)).Message);

        byte[] huge = (byte[])elf.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(huge.AsSpan((int)phoff + 40), 1UL << 40);
        Assert.Contains("does not fit", Assert.Throws<VmmException>(() => Elf.Load(memory, huge)).Message);
    }

    [Fact]
    public void BzImage_protected_mode_kernel_goes_to_1_MiB_with_64_bit_entry_at_0x200()
    {
        byte[] image = GuestPrograms.BzImage();
        using var memory = new GuestMemory(16 << 20);
        KernelImage kernel = BzImage.Load(memory, image);
        Assert.Equal(Layout.HighMem + 0x200, kernel.Entry);
        Assert.Equal(image.AsSpan(0x400, 16).ToArray(), memory.GetSpan(Layout.HighMem, 16).ToArray());
        Assert.Equal(0x268 - 0x1f1, kernel.SetupHeader.Length);
        Assert.Equal((uint)Layout.HighMem, BinaryPrimitives.ReadUInt32LittleEndian(kernel.SetupHeader.AsSpan(0x214 - 0x1f1)));
        Assert.Equal(0x7fffffffUL, kernel.InitrdAddrMax);
        Assert.Equal(256, kernel.CmdlineMax);
        // Relocatable, 2 MiB kernel_alignment, no pref_address: it runs at 2 MiB and needs init_size (64 KiB) there.
        Assert.Equal(0x210000UL, kernel.End);
    }

    [Fact]
    public void BzImage_end_is_where_it_decompresses_to_not_where_it_is_loaded()
    {
        byte[] image = (byte[])GuestPrograms.BzImage().Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(BootParams.PrefAddress), 0x1000000); // LOAD_PHYSICAL_ADDR
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(BootParams.InitSize), 0x1400000);
        using (var memory = new GuestMemory(64 << 20))
        {
            Assert.Equal(0x2400000UL, BzImage.Load(memory, image).End);
        }
        using (var small = new GuestMemory(32 << 20))
        {
            VmmException e = Assert.Throws<VmmException>(() => BzImage.Load(small, image));
            Assert.Equal(VmmError.InvalidConfiguration, e.Error);
            Assert.Contains("more memory", e.Message);
        }
        image[BootParams.RelocatableKernel] = 0;
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(BootParams.PrefAddress), 0x1100000);
        using (var memory = new GuestMemory(64 << 20))
        {
            Assert.Equal(0x2500000UL, BzImage.Load(memory, image).End);
        }
    }

    [Fact]
    public void BzImage_with_a_setup_header_too_short_for_its_protocol_is_rejected()
    {
        byte[] image = (byte[])GuestPrograms.BzImage().Clone();
        image[BootParams.Jump + 1] = 0x10;
        using var memory = new GuestMemory(16 << 20);
        Assert.Equal(VmmError.InvalidKernel, Assert.Throws<VmmException>(() => BzImage.Load(memory, image)).Error);
    }

    [Fact]
    public void BzImage_without_a_64_bit_entry_is_rejected()
    {
        byte[] image = (byte[])GuestPrograms.BzImage().Clone();
        image[0x236] = 0;
        using var memory = new GuestMemory(16 << 20);
        Assert.Contains("XLF_KERNEL_64", Assert.Throws<VmmException>(() => BzImage.Load(memory, image)).Message);
        image[0x202] = (byte)'X';
        Assert.False(BzImage.IsBzImage(image));
    }

    [Fact]
    public void Initrd_goes_to_the_top_of_low_ram_page_aligned_and_above_the_kernel()
    {
        using var memory = new GuestMemory(64 << 20);
        var kernel = new KernelImage(0x200000, 0x300000, [], Layout.DefaultInitrdAddrMax, 2048);
        (ulong address, ulong size) = VmBuilder.PlaceInitrd(memory, kernel, new byte[5000]);
        Assert.Equal(5000UL, size);
        Assert.Equal(0UL, address & 0xfff);
        Assert.True(address + size <= 64 << 20);
        Assert.True(address + size > (64 << 20) - 8192);

        var capped = kernel with { InitrdAddrMax = 0x1ffffff };
        Assert.True(VmBuilder.PlaceInitrd(memory, capped, new byte[5000]).Address + 5000 <= 0x2000000);

        var big = kernel with { End = 0x3f80000 };
        Assert.Equal(VmmError.InvalidInitrd, Assert.Throws<VmmException>(() => VmBuilder.PlaceInitrd(memory, big, new byte[1 << 20])).Error);
    }
}
