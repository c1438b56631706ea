using Platform.Runtime.Vmm.Arch.X86_64;
using Platform.Runtime.Vmm.Builder;
using Platform.Runtime.Vmm.Devices.Legacy;
using Platform.Runtime.Vmm.Tests.Infrastructure;
using static Platform.Runtime.Vmm.Tests.Infrastructure.GuestPrograms;

namespace Platform.Runtime.Vmm.Tests;

/// <summary>Tiny guests on this machine's KVM (each well under a million instructions); skipped where there is no KVM.</summary>
public sealed class KvmGuestTests
{
    [Fact]
    public async Task Real_mode_guest_prints_on_the_serial_port_then_halts()
    {
        KvmHost.Require();
        var console = new BufferSerialSink();
        using MicroVm vm = VmBuilder.BuildRaw(new RawGuest { Code = Flat("real_serial", RealModeAddress), Irqchip = false, Console = console });
        VmExit exit = await KvmHost.RunToEndAsync(vm);
        Assert.Equal(VmExitReason.Halted, exit.Reason);
        Assert.Contains("interrupts disabled", exit.Detail);
        Assert.NotNull(exit.Registers);
        Assert.Equal("real mode ok\n", console.Text);
    }

    [Fact]
    public async Task I8042_reset_ends_the_vm_cleanly()
    {
        KvmHost.Require();
        using MicroVm vm = VmBuilder.BuildRaw(new RawGuest { Code = Flat("real_reset", RealModeAddress), Console = new BufferSerialSink() });
        VmExit exit = await KvmHost.RunToEndAsync(vm);
        Assert.Equal(VmExitReason.Reset, exit.Reason);
        Assert.True(exit.IsClean);
    }

    [Fact]
    public async Task Long_mode_guest_runs_through_our_gdt_and_page_tables()
    {
        KvmHost.Require();
        var console = new BufferSerialSink();
        using MicroVm vm = VmBuilder.BuildRaw(new RawGuest { Code = Flat("long64", Long64Address), LoadAddress = Long64Address, Mode = GuestMode.Long64, Console = console });
        VmExit exit = await KvmHost.RunToEndAsync(vm);
        Assert.Equal(VmExitReason.Reset, exit.Reason);
        Assert.Equal("long mode ok\n", console.Text);
    }

    [Fact]
    public async Task Exception_without_an_idt_is_a_triple_fault_with_registers()
    {
        KvmHost.Require();
        using MicroVm vm = VmBuilder.BuildRaw(new RawGuest { Code = Flat("triple_fault", Long64Address), LoadAddress = Long64Address, Mode = GuestMode.Long64, Console = new BufferSerialSink() });
        VmExit exit = await KvmHost.RunToEndAsync(vm);
        Assert.Equal(VmExitReason.TripleFault, exit.Reason);
        Assert.Contains("rip=", exit.Registers);
        Assert.False(exit.IsClean);
    }

    [Fact]
    public async Task Mmio_access_to_nothing_ends_the_vm_naming_the_address()
    {
        KvmHost.Require();
        using MicroVm vm = VmBuilder.BuildRaw(new RawGuest { Code = Flat("mmio_nothing", Long64Address), LoadAddress = Long64Address, Mode = GuestMode.Long64, Console = new BufferSerialSink() });
        VmExit exit = await KvmHost.RunToEndAsync(vm);
        Assert.Equal(VmExitReason.MmioUnhandled, exit.Reason);
        Assert.Contains("0x30000000", exit.Detail);
    }

    [Fact]
    public async Task Test_kernel_reads_the_boot_params_we_wrote()
    {
        KvmHost.Require();
        byte[] initrd = new byte[4096 + 123];
        new Random(4).NextBytes(initrd);
        var console = new BufferSerialSink();
        const string cmdline = "console=ttyS0 platform.test=boot-params";
        using MicroVm vm = VmBuilder.Build(new VmResources { Kernel = TestKernel(), Initrd = initrd, Cmdline = cmdline, MemoryMiB = 64, Console = console });
        VmExit exit = await KvmHost.RunToEndAsync(vm);
        Assert.Equal(VmExitReason.Reset, exit.Reason);

        Dictionary<string, List<string>> report = Parse(console.Text);
        Assert.Equal("done", console.Text.TrimEnd().Split('\n')[^1]);
        Assert.Equal(Hex(BootParams.HeaderMagic), report["magic"][0]);
        Assert.Equal(Hex(0xff), report["loader"][0]);
        Assert.Equal(cmdline, report["cmdline"][0]);
        List<E820Entry> e820 = BootParams.E820Map(vm.Memory);
        Assert.Equal(Hex((ulong)e820.Count), report["e820"][0]);
        Assert.Equal(e820.Select(e => $"{Hex(e.Address)} {Hex(e.Size)} {Hex(e.Type)}"), report["e820entry"]);
        string[] initrdReport = report["initrd"][0].Split(' ');
        ulong initrdAddress = Convert.ToUInt64(initrdReport[0], 16);
        Assert.Equal(0UL, initrdAddress & 0xfff);
        Assert.Equal(Hex((ulong)initrd.Length), initrdReport[1]);
        Assert.Equal(Hex(Fnv1a(initrd)), initrdReport[2]);
        Assert.Equal(Hex(0x5f504d5f), report["mptable"][0]); // "_MP_"
    }

    [Fact]
    public async Task BzImage_guest_is_entered_at_its_64_bit_entry_with_boot_params()
    {
        KvmHost.Require();
        var console = new BufferSerialSink();
        using MicroVm vm = VmBuilder.Build(new VmResources { Kernel = BzImage(), MemoryMiB = 32, Console = console });
        VmExit exit = await KvmHost.RunToEndAsync(vm);
        Assert.Equal(VmExitReason.Reset, exit.Reason);
        Assert.Equal("bzImage 64-bit entry ok\n", console.Text);
    }

    [Fact]
    public async Task Two_vms_run_at_once_each_with_its_own_console()
    {
        KvmHost.Require();
        var a = new BufferSerialSink();
        var b = new BufferSerialSink();
        using MicroVm first = VmBuilder.BuildRaw(new RawGuest { Code = Flat("long64", Long64Address), LoadAddress = Long64Address, Mode = GuestMode.Long64, Console = a });
        using MicroVm second = VmBuilder.BuildRaw(new RawGuest { Code = Flat("real_serial", RealModeAddress), Irqchip = false, Console = b });
        VmExit[] exits = await Task.WhenAll(KvmHost.RunToEndAsync(first), KvmHost.RunToEndAsync(second));
        Assert.Equal(VmExitReason.Reset, exits[0].Reason);
        Assert.Equal(VmExitReason.Halted, exits[1].Reason);
        Assert.Equal("long mode ok\n", a.Text);
        Assert.Equal("real mode ok\n", b.Text);
    }

    [Fact]
    public async Task Application_processors_start_on_sipi_and_report_their_apic_ids()
    {
        KvmHost.Require();
        var console = new BufferSerialSink();
        using MicroVm vm = VmBuilder.BuildRaw(new RawGuest { Code = Flat("smp", RealModeAddress), Vcpus = 4, Console = console });
        VmExit exit = await KvmHost.RunToEndAsync(vm);
        Assert.Equal(VmExitReason.Reset, exit.Reason);
        string text = console.Text;
        Assert.EndsWith("\n", text);
        Assert.Equal(["B", "C", "D"], text.TrimEnd('\n').Select(c => c.ToString()).Order());
    }

    [Fact]
    public async Task Cancellation_stops_a_guest_that_never_ends()
    {
        KvmHost.Require();
        // jmp $: spins forever in the guest without ever exiting to the VMM, so only a kick can stop it.
        using MicroVm vm = VmBuilder.BuildRaw(new RawGuest { Code = [0xeb, 0xfe], Console = new BufferSerialSink() });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        VmExit exit = await vm.RunAsync(cts.Token);
        Assert.Equal(VmExitReason.Stopped, exit.Reason);
    }

    private static string Hex(ulong v) => $"0x{v:x16}";

    private static uint Fnv1a(byte[] data)
    {
        uint hash = 2166136261;
        foreach (byte b in data)
        {
            hash = (hash ^ b) * 16777619;
        }
        return hash;
    }

    private static Dictionary<string, List<string>> Parse(string text)
    {
        var report = new Dictionary<string, List<string>>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = line.IndexOf('=');
            if (eq > 0)
            {
                string key = line[..eq];
                if (!report.TryGetValue(key, out List<string>? values))
                {
                    report[key] = values = [];
                }
                values.Add(line[(eq + 1)..]);
            }
        }
        return report;
    }
}
