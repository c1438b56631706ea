using Platform.Runtime.Vmm.Arch.X86_64;
using Platform.Runtime.Vmm.Devices;
using Platform.Runtime.Vmm.Devices.Legacy;
using Platform.Runtime.Vmm.Devices.Virtio;
using Platform.Runtime.Vmm.Devices.Virtio.Vsock;
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
    private readonly bool _irqchip;
    private readonly List<VirtioMmioSlot> _virtio = [];
    private readonly List<IDisposable> _deviceResources = [];
    private EventLoop? _loop;
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
        _irqchip = irqchip;
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

    /// <summary>MMIO devices (the virtio-mmio windows); insert before the VM runs.</summary>
    public Bus Mmio { get; } = new();

    /// <summary>
    /// The VM's one device thread (epoll): virtqueue notifications and any fd a device waits on. Started with the
    /// first virtio device; stopped and joined by <see cref="Dispose"/>. A handler that throws ends the VM.
    /// </summary>
    public EventLoop EventLoop => _loop ??= new EventLoop("vm-events", OnDeviceFailure);

    /// <summary>The virtio-mmio devices, in the order they were added (and declared on the command line).</summary>
    public IReadOnlyList<VirtioMmioSlot> VirtioDevices => _virtio;

    /// <summary>
    /// Where a stalled guest stands, to tell a lost notification (avail idx ahead of the device), a lost interrupt in
    /// our device (used idx caught up, no InterruptStatus bit, nothing requested in the local APIC) and a lost
    /// delivery below us (the vector requested in IRR, the vCPU halted with interrupts on) apart. Only once
    /// <see cref="RunAsync"/> has returned: every vCPU thread has then left KVM_RUN and its state can be read.
    /// </summary>
    public string DescribeStall()
    {
        var lines = new List<string>();
        foreach (Vcpu vcpu in _vcpus)
        {
            lines.Add(vcpu.DumpRegisters());
            lines.Add(vcpu.DescribeLapic());
        }
        foreach (VirtioMmioSlot slot in _virtio)
        {
            lines.Add($"virtio at 0x{slot.Address:x} irq {slot.Irq}: {slot.Transport.Describe()}");
        }
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>
    /// Puts <paramref name="device"/> behind a virtio-mmio transport in the next 4 KiB window from the start of the
    /// MMIO hole, with the next IOAPIC pin from 5, its queue notifications as ioeventfds and its interrupt as an
    /// irqfd. The VM owns the device from here (disposes it if it is <see cref="IDisposable"/>). Before the VM runs.
    /// </summary>
    public VirtioMmioSlot AddVirtioDevice(IVirtioDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (device is IDisposable owned)
        {
            _deviceResources.Add(owned);
        }
        if (Volatile.Read(ref _started) != 0)
        {
            throw new InvalidOperationException("devices are added before the VM runs");
        }
        if (!_irqchip)
        {
            throw new VmmException(VmmError.InvalidConfiguration, "virtio devices need the in-kernel irqchip (their interrupts are irqfds)");
        }
        int index = _virtio.Count;
        if (index >= Layout.MaxVirtioDevices)
        {
            throw new VmmException(VmmError.InvalidConfiguration, $"a VM has at most {Layout.MaxVirtioDevices} virtio devices (one IOAPIC pin each)");
        }
        ulong address = Layout.VirtioMmioStart + (ulong)index * Layout.VirtioMmioWindow;
        uint irq = Layout.VirtioIrqBase + (uint)index;
        var line = new EventFdInterrupt(_vm, irq);
        _deviceResources.Add(line);
        var transport = new VirtioMmioTransport(device, Memory, line, EventLoop, OnDeviceFailure);
        _deviceResources.Add(transport);
        for (int q = 0; q < transport.QueueCount; q++)
        {
            _vm.RegisterIoeventfd(transport.QueueEventFd(q), address + MmioRegisters.QueueNotify, 4, (ulong)q);
        }
        Mmio.Insert(transport, address, Layout.VirtioMmioWindow);
        var slot = new VirtioMmioSlot(address, irq, transport);
        _virtio.Add(slot);
        return slot;
    }

    private void OnDeviceFailure(Exception e) =>
        RequestExit(new VmExit(VmExitReason.InternalError, $"a device failed on the host: {e.GetType().Name}: {e.Message}"));

    /// <summary>Where host processes connect to guest vsock ports, when the VM was built with a vsock device.</summary>
    public VsockEndpoint? Vsock { get; internal set; }

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
        // The loop thread touches guest memory and device files: it stops before they go.
        _loop?.Dispose();
        for (int i = _deviceResources.Count - 1; i >= 0; i--)
        {
            _deviceResources[i].Dispose();
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
