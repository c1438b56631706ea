using Platform.Runtime.Vmm.Arch.X86_64;
using Platform.Runtime.Vmm.Devices;
using Platform.Runtime.Vmm.Devices.Legacy;
using Platform.Runtime.Vmm.Vstate;
using Platform.Runtime.Vmm.Vstate.Abi;

namespace Platform.Runtime.Vmm;

/// <summary>
/// A built microVM: guest memory, the KVM VM with its in-kernel irqchip and PIT, the legacy devices and the
/// vCPUs. <see cref="RunAsync"/> runs it until the guest or the host ends it; <see cref="Dispose"/> stops it,
/// joins every vCPU thread, closes every fd and unmaps all memory. Built by <see cref="Builder.VmBuilder"/>.
/// </summary>
public sealed class MicroVm : IVmControl, IDisposable
{
    private readonly Kvm _kvm;
    private readonly bool _ownsKvm;
    private readonly Vm _vm;
    private readonly List<Vcpu> _vcpus = [];
    private readonly EventFdInterrupt? _serialIrq;
    private readonly EventFdInterrupt? _keyboardIrq;
    private readonly VcpuExitHandler _exits;
    private readonly TaskCompletionSource<VmExit> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private VmExit? _exit;
    private int _running;
    private int _started;
    private bool _disposed;

    internal MicroVm(Kvm? kvm, ulong memoryBytes, int vcpus, bool irqchip, ISerialSink console)
    {
        if (vcpus < 1 || (!irqchip && vcpus > 1))
        {
            // Without an in-kernel local APIC every AP would start at the reset vector at once, not wait for SIPI.
            throw new VmmException(VmmError.InvalidConfiguration, irqchip
                ? $"a VM needs at least one vCPU, not {vcpus}"
                : "several vCPUs need the in-kernel irqchip (APs wait for INIT/SIPI in their local APIC)");
        }
        _ownsKvm = kvm is null;
        _kvm = kvm ?? Kvm.Open();
        try
        {
            int max = _kvm.MaxVcpus;
            if (vcpus > max || vcpus > 254)
            {
                throw new VmmException(VmmError.InvalidConfiguration, $"{vcpus} vCPUs exceed this host's limit of {Math.Min(max, 254)}");
            }
            Memory = new GuestMemory(memoryBytes);
            _vm = new Vm(_kvm);
            _vm.SetSystemAddresses();
            if (irqchip)
            {
                _vm.CreateIrqchipAndPit();
                _serialIrq = new EventFdInterrupt(_vm, Layout.SerialIrq);
                _keyboardIrq = new EventFdInterrupt(_vm, Layout.KeyboardIrq);
            }
            _vm.SetMemory(Memory);

            Pio.Insert(new Serial(console, _serialIrq), Serial.Com1, Serial.Length);
            Pio.Insert(new I8042(this, _keyboardIrq), I8042.Port, I8042.Length);
            _exits = new VcpuExitHandler(Pio, Mmio);

            KvmCpuidEntry2[] supported = _kvm.SupportedCpuid();
            KvmMsrEntry[] msrs = Msrs.Boot();
            int runSize = _kvm.VcpuMmapSize;
            for (int i = 0; i < vcpus; i++)
            {
                var vcpu = new Vcpu(_vm, i, runSize);
                _vcpus.Add(vcpu);
                vcpu.SetCpuid(Cpuid.ForVcpu(supported, i, vcpus));
                vcpu.SetMsrs(msrs);
                vcpu.SetFpu(Regs.Fpu());
                if (irqchip)
                {
                    vcpu.SetLocalInterrupts();
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public GuestMemory Memory { get; } = null!;

    public int VcpuCount => _vcpus.Count;

    /// <summary>Port I/O devices; more may be inserted before the VM runs.</summary>
    public Bus Pio { get; } = new();

    /// <summary>MMIO devices (none yet: virtio-mmio comes with the devices issue); insert before the VM runs.</summary>
    public Bus Mmio { get; } = new();

    /// <summary>Why the VM ended, once it has.</summary>
    public VmExit? Exit => Volatile.Read(ref _exit);

    internal Vcpu Bsp => _vcpus[0];

    internal Vcpu GetVcpu(int index) => _vcpus[index];

    /// <summary>Runs every vCPU until the guest resets, powers off or fails, or <paramref name="cancellationToken"/> stops it.</summary>
    public async Task<VmExit> RunAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("a microVM runs once");
        }
        _running = _vcpus.Count;
        foreach (Vcpu vcpu in _vcpus)
        {
            vcpu.Start(_exits, () => Volatile.Read(ref _exit) is not null, OnVcpuExit);
        }
        await using (cancellationToken.Register(() => RequestExit(new VmExit(VmExitReason.Stopped, "the host stopped the VM"))))
        {
            return await _ended.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Ends the VM: the first exit requested wins, and every vCPU is kicked out of KVM_RUN.</summary>
    public void RequestExit(VmExit exit)
    {
        if (Interlocked.CompareExchange(ref _exit, exit, null) is null)
        {
            foreach (Vcpu vcpu in _vcpus)
            {
                vcpu.Kick();
            }
        }
    }

    private void OnVcpuExit(Vcpu vcpu, VmExit? exit)
    {
        RequestExit(exit ?? new VmExit(VmExitReason.Stopped, "the host stopped the VM", vcpu.Index));
        if (Interlocked.Decrement(ref _running) == 0)
        {
            _ended.TrySetResult(Volatile.Read(ref _exit)!);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        RequestExit(new VmExit(VmExitReason.Stopped, "the VM was disposed"));
        foreach (Vcpu vcpu in _vcpus)
        {
            vcpu.Dispose();
        }
        _serialIrq?.Dispose();
        _keyboardIrq?.Dispose();
        _vm?.Dispose();
        Memory?.Dispose();
        if (_ownsKvm)
        {
            _kvm?.Dispose();
        }
    }
}
