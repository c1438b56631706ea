using System.Diagnostics;
using Platform.Runtime.Vmm;
using Platform.Runtime.Vmm.Builder;
using Platform.Runtime.Vmm.Devices.Legacy;

namespace Platform.Vmm.Bench;

/// <summary>
/// VMM benchmarks, everywhere KVM opens, each figure labelled with the speed probe's verdict (emulated KVM, as
/// in the lab, is recorded but not judged): tiny-guest create → first serial byte → exit latency, the RSS a VM
/// adds beyond the guest memory it touched and, with a guest kernel (scripts/build-guest-kernel), Linux boot to
/// the init marker and microVM containers (<see cref="MicroVmContainerBench"/>).
/// Usage: Platform.Vmm.Bench [iterations] (default 20).
/// </summary>
internal static class Program
{
    private const string Marker = "PLATFORM-GUEST-INIT-OK";

    // Real mode: out 'X' to COM1, then the i8042 reset.
    private static readonly byte[] TinyGuest = [0xb0, (byte)'X', 0xba, 0xf8, 0x03, 0xee, 0xb0, 0xfe, 0xe6, 0x64, 0xeb, 0xfe];

    public static async Task<int> Main(string[] args)
    {
        int iterations = args.Length > 0 && int.TryParse(args[0], out int n) && n > 0 ? n : 20;
        KvmSpeedVerdict verdict = await KvmSpeedProbe.MeasureAsync(TimeSpan.FromSeconds(2));
        Console.WriteLine($"probe: {verdict.Reason}");
        if (verdict.ExitMicroseconds is null)
        {
            Console.WriteLine("measured nothing: no usable KVM on this host, or exits too slow to time");
            return 0;
        }
        // Emulated KVM (the lab) is measured too, but its figures say nothing about hardware: they carry the label.
        string label = verdict.IsHardware ? "hardware KVM" : "emulated KVM: recorded, not judged";
        await TinyGuestLatency(iterations);
        await RssOverhead();
        string? kernel = GuestKernel();
        if (kernel is null)
        {
            Console.WriteLine("linux boot and microVM containers: measured nothing: no guest kernel (run scripts/build-guest-kernel)");
            return 0;
        }
        await LinuxBoot(kernel, iterations, label);
        await using var containers = new MicroVmContainerBench(kernel, label);
        await containers.RunAsync(iterations);
        return 0;
    }

    internal static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
                {
                    return dir.FullName;
                }
            }
            return Directory.GetCurrentDirectory();
        }
    }

    private static string? GuestKernel()
    {
        string kernel = Environment.GetEnvironmentVariable("PLATFORM_GUEST_KERNEL") ?? Path.Combine(RepoRoot, "artifacts", "guest", "vmlinux");
        return File.Exists(kernel) ? kernel : null;
    }

    private static async Task TinyGuestLatency(int iterations)
    {
        var firstByte = new List<double>();
        var total = new List<double>();
        for (int i = 0; i < iterations + 1; i++)
        {
            var clock = Stopwatch.StartNew();
            var sink = new FirstByteSink(clock);
            using MicroVm vm = VmBuilder.BuildRaw(new RawGuest { Code = TinyGuest, Console = sink });
            VmExit exit = await vm.RunAsync();
            vm.Dispose();
            double ms = clock.Elapsed.TotalMilliseconds;
            if (exit.Reason != VmExitReason.Reset)
            {
                Console.WriteLine($"tiny guest failed: {exit}");
                return;
            }
            if (i > 0) // the first run pays for JIT and library loading
            {
                firstByte.Add(sink.FirstByteMs);
                total.Add(ms);
            }
        }
        Console.WriteLine($"tiny guest create->first serial byte: median {Median(firstByte):F2} ms; create->exit->disposed: median {Median(total):F2} ms, p90 {Percentile(total, 0.9):F2} ms ({iterations} runs)");
    }

    private static async Task RssOverhead()
    {
        const int vms = 8;
        long before = Rss();
        var list = new List<MicroVm>();
        try
        {
            for (int i = 0; i < vms; i++)
            {
                MicroVm vm = VmBuilder.BuildRaw(new RawGuest { Code = TinyGuest, Console = new BufferSerialSink(16) });
                list.Add(vm);
                await vm.RunAsync();
            }
            long after = Rss();
            // Guest pages touched by the VMM and the guest (boot structures, code) are counted as guest memory.
            Console.WriteLine($"VMM RSS overhead: {(after - before) / (double)vms / 1024:F0} KiB per VM (RSS growth over {vms} live VMs, guest pages included)");
        }
        finally
        {
            list.ForEach(vm => vm.Dispose());
        }
    }

    private static async Task LinuxBoot(string kernel, int iterations, string label)
    {
        string initrd = Environment.GetEnvironmentVariable("PLATFORM_GUEST_INITRD") ?? Path.Combine(Path.GetDirectoryName(kernel)!, "initramfs.cpio.gz");
        if (!File.Exists(initrd))
        {
            Console.WriteLine($"linux boot: measured nothing: no {initrd} (run scripts/build-guest-kernel)");
            return;
        }
        byte[] kernelBytes = await File.ReadAllBytesAsync(kernel);
        byte[] initrdBytes = await File.ReadAllBytesAsync(initrd);
        var times = new List<double>();
        for (int i = 0; i < iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            var sink = new MarkerSink(clock, Marker);
            using MicroVm vm = VmBuilder.Build(new VmResources { Kernel = kernelBytes, Initrd = initrdBytes, MemoryMiB = 128, Console = sink });
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            VmExit exit = await vm.RunAsync(bound.Token);
            if (sink.MarkerMs is not { } ms)
            {
                Console.WriteLine($"linux boot failed: {exit}");
                return;
            }
            times.Add(ms);
        }
        Console.WriteLine($"linux boot to init marker: median {Median(times):F1} ms, p90 {Percentile(times, 0.9):F1} ms (target <= 100 ms on hardware, {iterations} runs) [{label}]");
    }

    private static long Rss()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
            }
        }
        return 0;
    }

    internal static double Median(List<double> values) => Percentile(values, 0.5);

    internal static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
    }

    private sealed class FirstByteSink(Stopwatch clock) : ISerialSink
    {
        public double FirstByteMs { get; private set; } = double.NaN;

        public void Write(byte value)
        {
            if (double.IsNaN(FirstByteMs))
            {
                FirstByteMs = clock.Elapsed.TotalMilliseconds;
            }
        }
    }

    private sealed class MarkerSink(Stopwatch clock, string marker) : ISerialSink
    {
        private int _matched;

        public double? MarkerMs { get; private set; }

        public void Write(byte value)
        {
            if (MarkerMs is not null)
            {
                return;
            }
            _matched = value == marker[_matched] ? _matched + 1 : (value == marker[0] ? 1 : 0);
            if (_matched == marker.Length)
            {
                MarkerMs = clock.Elapsed.TotalMilliseconds;
            }
        }
    }
}
