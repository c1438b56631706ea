using System.Runtime.InteropServices;

namespace Platform.Runtime.Seccomp;

/// <summary>seccomp(2) and prctl(2) through syscall(2), whose glibc wrapper is not variadic in practice.</summary>
internal static unsafe partial class SeccompSyscalls
{
    public const int ENOSYS = 38;

    private const long SysPrctl = 157;
    private const long SysSeccomp = 317;
    private const nint SeccompSetModeFilter = 1;
    private const nint PrSetSeccomp = 22;
    private const nint SeccompModeFilter = 2;

    public static long SetModeFilter(uint flags, SockFprog* prog) =>
        Syscall(SysSeccomp, SeccompSetModeFilter, (nint)flags, (nint)prog);

    public static long PrctlSetModeFilter(SockFprog* prog) =>
        Syscall(SysPrctl, PrSetSeccomp, SeccompModeFilter, (nint)prog);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, nint arg1, nint arg2, nint arg3);
}
