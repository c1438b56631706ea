namespace Platform.Runtime.Vmm;

/// <summary>Why a VM could not be built or run, as a caller (the CLI, the node agent) needs to tell users.</summary>
public enum VmmError
{
    /// <summary>/dev/kvm is missing or cannot be opened.</summary>
    KvmUnavailable,
    /// <summary>KVM answers an API version other than 12, or lacks a capability this VMM needs.</summary>
    KvmUnsupported,
    /// <summary>A KVM or system call failed while building or running the VM.</summary>
    KvmCallFailed,
    /// <summary>The kernel image is neither a valid x86-64 ELF nor a bzImage we can boot.</summary>
    InvalidKernel,
    /// <summary>The initrd does not fit where the boot protocol allows it.</summary>
    InvalidInitrd,
    /// <summary>The VM resources (memory, vCPUs, command line) are out of range.</summary>
    InvalidConfiguration,
    /// <summary>The VM's vsock unix socket cannot be reached (no such VM, or it has ended).</summary>
    VsockUnreachable,
    /// <summary>The guest did not accept a vsock connection: nothing listens on that port (yet), or it reset it.</summary>
    VsockRefused,
}
