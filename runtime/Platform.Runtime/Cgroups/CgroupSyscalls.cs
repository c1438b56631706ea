using System.Runtime.InteropServices;

namespace Platform.Runtime.Cgroups;

internal static partial class CgroupSyscalls
{
    public const int SIGKILL = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
