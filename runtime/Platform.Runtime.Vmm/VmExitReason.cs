namespace Platform.Runtime.Vmm;

/// <summary>Why a VM stopped running.</summary>
public enum VmExitReason
{
    /// <summary>The guest asked for a reset (i8042 command 0xFE, or a KVM system reset event): how Linux reboots.</summary>
    Reset,
    /// <summary>The guest powered off (KVM system shutdown event).</summary>
    PowerOff,
    /// <summary>A vCPU executed HLT with no in-kernel interrupt controller to wake it: nothing can ever resume it.</summary>
    Halted,
    /// <summary>The vCPU triple-faulted (KVM_EXIT_SHUTDOWN): an unhandled exception with no usable IDT.</summary>
    TripleFault,
    /// <summary>KVM could not emulate an instruction (KVM_EXIT_INTERNAL_ERROR, emulation suberror).</summary>
    EmulationFailure,
    /// <summary>Any other KVM internal error, a failed VM entry, or an exit this VMM does not handle.</summary>
    InternalError,
    /// <summary>The guest touched a physical address where there is neither RAM nor a device.</summary>
    MmioUnhandled,
    /// <summary>The host stopped the VM (cancellation, disposal).</summary>
    Stopped,
}
