namespace Platform.Runtime.Vmm;

/// <summary>How and why a VM ended: the reason, a one-line detail, the vCPU that ended it and its registers when an error did.</summary>
public sealed record VmExit(VmExitReason Reason, string Detail, int Vcpu = -1, string? Registers = null)
{
    /// <summary>The guest ended the VM as a guest should: by resetting or powering off.</summary>
    public bool IsClean => Reason is VmExitReason.Reset or VmExitReason.PowerOff;

    public override string ToString() =>
        Registers is null ? $"{Reason}: {Detail}" : $"{Reason}: {Detail}{Environment.NewLine}{Registers}";
}
