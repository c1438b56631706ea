using Platform.Runtime.Vmm.Arch.X86_64;
using Platform.Runtime.Vmm.Vstate;

namespace Platform.Runtime.Vmm.Tests;

public sealed class GuestMemoryTests
{
    [Fact]
    public void Access_outside_ram_is_refused()
    {
        using var memory = new GuestMemory(4 << 20);
        memory.WriteU32((4 << 20) - 4, 0xdeadbeef);
        Assert.Equal(0xdeadbeefu, memory.ReadU32((4 << 20) - 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.ReadU32((4 << 20) - 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.GetSpan(ulong.MaxValue - 1, 4));
        Assert.False(memory.Contains(0, (4 << 20) + 1UL));
    }

    [Fact]
    public void Memory_beyond_the_mmio_hole_is_mapped_above_4_GiB()
    {
        using var memory = new GuestMemory(Layout.MmioGapStart + (16 << 20));
        Assert.Equal(2, memory.Regions.Count);
        Assert.Equal(Layout.FourGiB, memory.Regions[1].GuestAddress);
        Assert.Equal(Layout.MmioGapStart, memory.LowEnd);
        Assert.False(memory.Contains(Layout.MmioGapStart, 1));
        memory.WriteU8(Layout.FourGiB + 5, 7);
        Assert.Equal(7, memory.ReadU8(Layout.FourGiB + 5));
        Assert.Equal(4, BootParams.E820Map(memory).Count);
    }

    [Fact]
    public void Sizes_that_are_not_whole_pages_are_rejected()
    {
        VmmException e = Assert.Throws<VmmException>(() => new GuestMemory((4 << 20) + 1));
        Assert.Equal(VmmError.InvalidConfiguration, e.Error);
    }
}
