namespace Platform.Runtime.Vmm.Devices;

/// <summary>What a device may ask of the VM it belongs to: to end it (a reset request, a power-off).</summary>
public interface IVmControl
{
    void RequestExit(VmExit exit);
}
