using System.Runtime.InteropServices;

namespace Platform.Runtime.Linux.Interop;

/// <summary>Numbers of the system calls that glibc 2.36 does not wrap, per architecture.</summary>
internal static class SyscallNumbers
{
    private static readonly bool Arm64 = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    public static nint PivotRoot => Arm64 ? 41 : 155;
    public static nint Personality => Arm64 ? 92 : 135;
    public static nint IoprioSet => Arm64 ? 30 : 251;
    // The numbers below are shared by every architecture (added after the syscall table unification).
    public static nint PidfdSendSignal => 424;
    public static nint PidfdOpen => 434;
    public static nint CloseRange => 436;
    public static nint OpenAt2 => 437;
}
