namespace Platform.Runtime.Vmm.Devices.Legacy;

/// <summary>Where the guest's serial console output goes (stdout for the CLI, the instance log for the platform).</summary>
public interface ISerialSink
{
    void Write(byte value);
}
