namespace Platform.Runtime.Syscalls;

/// <summary>
/// What the lifecycle does to the OS besides plain file I/O: processes, signals, the exec fifo and locks.
/// A seam (like youki's Syscall trait) so create/start/kill/delete transitions are unit-tested without root.
/// </summary>
internal interface ISyscalls
{
    /// <summary>Reads /proc/&lt;pid&gt;/stat; null when there is no such process.</summary>
    ProcessStat? ReadProcessStat(int pid);

    /// <summary>
    /// Signals the process only if it is still the one that started at <paramref name="startTime"/>
    /// (a pidfd pins it, so a recycled PID is never signalled). False when it is gone.
    /// </summary>
    bool SendSignal(int pid, ulong startTime, int signal);

    /// <summary>Completes when the process has exited (or is already gone).</summary>
    Task WaitForExitAsync(int pid, ulong startTime, CancellationToken cancellationToken);

    /// <summary>Collects the exit status if the process is this process's child: the wait status as a shell reports it, or null.</summary>
    int? TryReap(int pid);

    /// <summary>mkfifo with mode 0622 regardless of umask.</summary>
    void MakeFifo(string path);

    /// <summary>
    /// Opens the exec fifo for reading and consumes the byte the container's init writes once it is unblocked:
    /// that is what makes a created container run. Fails when <paramref name="isAlive"/> turns false first.
    /// </summary>
    Task OpenExecFifoAsync(string path, Func<bool> isAlive, CancellationToken cancellationToken);

    /// <summary>Takes an exclusive flock on a directory; throws <see cref="DirectoryNotFoundException"/> when it is removed meanwhile.</summary>
    IDisposable LockDirectory(string path);

    /// <summary>Creates the directory; false when it already exists.</summary>
    bool TryCreateDirectory(string path, int mode);

    /// <summary>PR_SET_CHILD_SUBREAPER: orphaned container processes become this process's children, so their exit status can be collected.</summary>
    void BecomeChildSubreaper();

    /// <summary>Takes an exclusive flock on a directory without waiting: null when someone else holds it or it is gone.</summary>
    IDisposable? TryLockDirectory(string path);

    /// <summary>renameat2(RENAME_NOREPLACE): atomically gives a directory its name; false when that name exists.</summary>
    bool TryRenameNoReplace(string from, string to);

    /// <summary>This process's mount table (/proc/self/mountinfo), in mount order.</summary>
    IReadOnlyList<State.HostMount> ReadMounts();

    /// <summary>Detaches the mount at <paramref name="path"/> (umount2 MNT_DETACH); false when nothing is mounted there.</summary>
    bool Unmount(string path);
}
