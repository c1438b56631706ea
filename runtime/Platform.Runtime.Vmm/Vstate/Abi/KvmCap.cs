namespace Platform.Runtime.Vmm.Vstate.Abi;

/// <summary>KVM_CHECK_EXTENSION capability numbers this VMM relies on.</summary>
public enum KvmCap
{
    Irqchip = 0,
    Hlt = 1,
    UserMemory = 3,
    SetTssAddr = 4,
    ExtCpuid = 7,
    NrVcpus = 9,
    MpState = 14,
    Irqfd = 32,
    Pit2 = 33,
    Ioeventfd = 36,
    SetIdentityMapAddr = 37,
    MaxVcpus = 66,
    ImmediateExit = 136,
}
