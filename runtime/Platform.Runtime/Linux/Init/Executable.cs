using System.Runtime.InteropServices;
using Platform.Runtime.Linux.Interop;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Linux.Init;

/// <summary>Finds process.args[0] inside the container (PATH from process.env) and execs it.</summary>
internal static unsafe class Executable
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private const int X_OK = 1;

    /// <summary>The path to exec, or an error that names what is missing (checked before start, like runc).</summary>
    public static string Find(IInitSyscalls sys, string name, IReadOnlyList<string> env)
    {
        if (name.Contains('/'))
        {
            if (sys.Access(name, X_OK) < 0)
            {
                throw Sys.Error(RuntimeErrorKind.InvalidConfig, $"exec: {name}");
            }

            if (sys.IsDirectory(name))
            {
                throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"exec: {name}: is a directory");
            }

            return name;
        }
        var path = env.LastOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..] ?? DefaultPath;
        foreach (var dir in path.Split(':'))
        {
            var candidate = Path.Combine(dir.Length == 0 ? "." : dir, name);
            if (sys.Access(candidate, X_OK) == 0 && !sys.IsDirectory(candidate))
            {
                return candidate;
            }
        }
        throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"exec: \"{name}\": executable file not found in $PATH");
    }

    /// <summary>
    /// execve with a clean slate: every descriptor from 3 up is close-on-exec, no signal blocked, none ignored
    /// (.NET ignores SIGPIPE and exec would keep that). Returns only on failure, with errno.
    /// </summary>
    public static int Exec(string path, IReadOnlyList<string> args, IReadOnlyList<string> env)
    {
        ResetSignals();
        Libc.CloseRange(3, uint.MaxValue, CLOSE_RANGE_CLOEXEC);
        var owned = new List<nint>();
        var pathBytes = Libc.Utf8z(path);
        fixed (byte* p = pathBytes)
        {
            Libc.execve(p, ProcessSpawner.StringArray(args, owned), ProcessSpawner.StringArray(env, owned));
        }
        var errno = Libc.Errno;
        foreach (var s in owned)
        {
            NativeMemory.Free((void*)s);
        }

        return errno;
    }

    private static void ResetSignals()
    {
        const nint SIG_IGN = 1;
        var action = new Libc.SigAction();
        Libc.SigAction old;
        for (var signal = 1; signal < 65; signal++)
        {
            if (Libc.sigaction(signal, null, &old) == 0 && old.Handler == SIG_IGN)
            {
                Libc.sigaction(signal, &action, null);
            }
        }
        var empty = stackalloc ulong[16];
        _ = Libc.sigemptyset(empty);
        Libc.sigprocmask(SIG_SETMASK, empty, null);
    }
}
