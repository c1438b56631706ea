namespace Platform.Runtime.VmBackend;

/// <summary>
/// The initramfs of a microVM container: the platform-runtime binary itself as /init (it runs as the guest
/// agent when it finds itself PID 1 with <see cref="GuestAgent.ConfigPath"/> present) and the guest's
/// config.json. Uncompressed: the VMM copies it straight into guest memory and the kernel need not inflate it.
/// </summary>
internal static class GuestInitramfs
{
    public static byte[] Build(ReadOnlySpan<byte> agentBinary, ReadOnlySpan<byte> guestConfig) =>
        new Cpio()
            .AddDirectory("dev")
            // The kernel opens /dev/console for init's stdio before anything is mounted.
            .AddCharDevice("dev/console", 5, 1)
            .AddDirectory("proc")
            .AddDirectory("sys")
            .AddDirectory("run")
            .AddDirectory("tmp", 0x3ff)
            .AddDirectory("platform")
            .AddFile("platform/config.json", guestConfig, 0x180)
            .AddFile("init", agentBinary, 0x1ed)
            .Finish();
}
