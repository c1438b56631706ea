using System.Runtime.InteropServices;

namespace Platform.Runtime.Cgroups;

internal static partial class CgroupSyscalls
{
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
