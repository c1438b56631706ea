namespace Platform.Runtime.Vmm.Devices.Legacy;

/// <summary>
/// The i8042 keyboard controller, only as far as a guest without a keyboard needs: an empty status and data port,
/// and the CPU reset command (0xFE to the command port), which is how Linux reboots with reboot=k: it ends the VM.
/// Inserted at port 0x60 with length 5, so offset 4 is the command/status port 0x64.
/// </summary>
public sealed class I8042 : IBusDevice
{
    public const ushort Port = 0x60;
    public const ushort Length = 5;
    private const ulong CommandOffset = 4;
    private const byte CommandResetCpu = 0xfe;

    private readonly IVmControl _vm;

    public I8042(IVmControl vm) => _vm = vm;

    public void Read(ulong offset, Span<byte> data) => data.Clear();

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset == CommandOffset && data.Length == 1 && data[0] == CommandResetCpu)
        {
            _vm.RequestExit(new VmExit(VmExitReason.Reset, "the guest requested a reset through the i8042 controller"));
        }
    }
}
