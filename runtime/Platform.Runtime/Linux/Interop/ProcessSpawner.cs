using System.Runtime.InteropServices;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Linux.Interop;

/// <summary>
/// posix_spawn with an exact set of inherited descriptors. Process.Start would leak every non-CLOEXEC
/// descriptor of concurrent spawns (DESIGN §4); here the child gets <c>fds[i]</c> as fd i and nothing else,
/// default signal dispositions and an empty signal mask (.NET ignores SIGPIPE, which exec would keep).
/// </summary>
internal static unsafe class ProcessSpawner
{
    // glibc's posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336; leave room.
    private const int FileActionsSize = 256;
    private const int AttributesSize = 512;
    // Sources are first duplicated above every target so that no dup2 clobbers a later source.
    private const int ScratchFloor = 16;

    /// <param name="newProcessGroup">Start it as the leader of a new process group, so it can be killed with everything it started.</param>
    public static int Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> env, ReadOnlySpan<int> fds, bool newProcessGroup = false)
    {
        var scratch = new int[fds.Length];
        var fileActions = NativeMemory.AllocZeroed(FileActionsSize);
        var attributes = NativeMemory.AllocZeroed(AttributesSize);
        var strings = new List<nint>();
        try
        {
            for (var i = 0; i < fds.Length; i++)
            {
                scratch[i] = Libc.fcntl(fds[i], F_DUPFD_CLOEXEC, ScratchFloor);
                if (scratch[i] < 0)
                {
                    throw Failure($"spawn {path}: duplicate fd {fds[i]}", Libc.Errno);
                }
            }

            Check(Libc.posix_spawn_file_actions_init(fileActions), path);
            for (var i = 0; i < fds.Length; i++)
            {
                Check(Libc.posix_spawn_file_actions_adddup2(fileActions, scratch[i], i), path);
            }

            Check(Libc.posix_spawn_file_actions_addclosefrom_np(fileActions, fds.Length), path);

            Check(Libc.posix_spawnattr_init(attributes), path);
            var set = stackalloc ulong[16];
            _ = Libc.sigemptyset(set);
            Check(Libc.posix_spawnattr_setsigmask(attributes, set), path);
            _ = Libc.sigfillset(set);
            Check(Libc.posix_spawnattr_setsigdefault(attributes, set), path);
            var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
            if (newProcessGroup)
            {
                Check(Libc.posix_spawnattr_setpgroup(attributes, 0), path);
                flags |= POSIX_SPAWN_SETPGROUP;
            }
            Check(Libc.posix_spawnattr_setflags(attributes, (short)flags), path);

            var pathBytes = Utf8(path, strings);
            var argvArray = StringArray(argv, strings);
            var envArray = StringArray(env, strings);
            int pid;
            var error = Libc.posix_spawn(&pid, pathBytes, fileActions, attributes, argvArray, envArray);
            if (error != 0)
            {
                throw Failure($"spawn {path}", error);
            }

            return pid;
        }
        finally
        {
            foreach (var fd in scratch)
            {
                if (fd > 0)
                {
                    Libc.close(fd);
                }
            }
            _ = Libc.posix_spawn_file_actions_destroy(fileActions);
            _ = Libc.posix_spawnattr_destroy(attributes);
            NativeMemory.Free(fileActions);
            NativeMemory.Free(attributes);
            foreach (var s in strings)
            {
                NativeMemory.Free((void*)s);
            }
        }
    }

    /// <summary>Waits for a child and returns its status as a shell reports it (128+signal when killed).</summary>
    public static int Wait(int pid)
    {
        int status;
        while (Libc.waitpid(pid, &status, 0) < 0)
        {
            var errno = Libc.Errno;
            if (errno != EINTR)
            {
                throw Failure($"wait for process {pid}", errno);
            }
        }
        return Libc.ShellStatus(status);
    }

    private static void Check(int error, string path)
    {
        if (error != 0)
        {
            throw Failure($"spawn {path}", error);
        }
    }

    private static RuntimeException Failure(string what, int errno) => new(Sys.KindOf(errno), $"{what}: {Libc.ErrorText(errno)}");

    private static byte* Utf8(string value, List<nint> owned)
    {
        var count = System.Text.Encoding.UTF8.GetByteCount(value);
        var bytes = (byte*)NativeMemory.Alloc((nuint)count + 1);
        System.Text.Encoding.UTF8.GetBytes(value, new Span<byte>(bytes, count));
        bytes[count] = 0;
        owned.Add((nint)bytes);
        return bytes;
    }

    /// <summary>A NULL-terminated char*[] whose strings stay alive until <paramref name="owned"/> is freed.</summary>
    public static byte** StringArray(IReadOnlyList<string> values, List<nint> owned)
    {
        var array = (byte**)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(nint));
        owned.Add((nint)array);
        for (var i = 0; i < values.Count; i++)
        {
            array[i] = Utf8(values[i], owned);
        }

        return array;
    }
}
