using Platform.Runtime.Linux.Interop;

namespace Platform.Runtime.Syscalls;

/// <summary>The real <see cref="ISyscalls"/>: procfs, pidfds, flock and fifos.</summary>
internal sealed unsafe class LinuxSyscalls : ISyscalls
{
    public static LinuxSyscalls Instance { get; } = new();

    public ProcessStat? ReadProcessStat(int pid)
    {
        if (pid <= 0)
        {
            return null;
        }

        try
        {
            return ProcessStat.Parse(pid, File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }
    }

    public bool SendSignal(int pid, ulong startTime, int signal)
    {
        var pidfd = OpenPidfd(pid, startTime);
        if (pidfd < 0)
        {
            return false;
        }

        try
        {
            if (Libc.PidfdSendSignal(pidfd, signal) == 0)
            {
                return true;
            }

            var errno = Libc.Errno;
            if (errno == LinuxConstants.ESRCH)
            {
                return false;
            }

            throw new RuntimeException(Sys.KindOf(errno), $"signal {signal} to pid {pid}: {Libc.ErrorText(errno)}");
        }
        finally
        {
            Libc.close(pidfd);
        }
    }

    public Task WaitForExitAsync(int pid, ulong startTime, CancellationToken cancellationToken)
    {
        var pidfd = OpenPidfd(pid, startTime);
        return pidfd < 0 ? Task.CompletedTask : FdWatcher.Shared.WaitForExitAsync(pidfd, cancellationToken);
    }

    /// <summary>Opens a pidfd and then checks the start time, so the fd surely refers to the recorded process; -1 when it is gone.</summary>
    private int OpenPidfd(int pid, ulong startTime)
    {
        var pidfd = Libc.PidfdOpen(pid);
        if (pidfd < 0)
        {
            var errno = Libc.Errno;
            if (errno == LinuxConstants.ESRCH)
            {
                return -1;
            }

            throw new RuntimeException(Sys.KindOf(errno), $"pidfd_open({pid}): {Libc.ErrorText(errno)}");
        }
        var stat = ReadProcessStat(pid);
        if (stat is null || stat.StartTime != startTime)
        {
            Libc.close(pidfd);
            return -1;
        }
        return pidfd;
    }

    public int? TryReap(int pid)
    {
        int status;
        var result = Libc.waitpid(pid, &status, LinuxConstants.WNOHANG);
        return result == pid ? Libc.ShellStatus(status) : null;
    }

    public void MakeFifo(string path)
    {
        if (Libc.mkfifo(path, 0b110_010_010) != 0)
        {
            throw new IOException($"mkfifo {path}: {Libc.ErrorText(Libc.Errno)}");
        }
        // mkfifo applies the umask; the init may run as any user in the container and must be able to open it for writing.
        if (Libc.chmod(path, 0b110_010_010) != 0)
        {
            throw new IOException($"chmod {path}: {Libc.ErrorText(Libc.Errno)}");
        }
    }

    /// <summary>
    /// Runs on the caller's thread rather than a pool thread: the init is already blocked opening its end, so
    /// the byte arrives within a scheduling round trip, and in a CLI process the hop cost a thread start.
    /// </summary>
    public Task OpenExecFifoAsync(string path, Func<bool> isAlive, CancellationToken cancellationToken)
    {
        try
        {
            ReadExecFifo(path, isAlive, cancellationToken);
            return Task.CompletedTask;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
    }

    private static void ReadExecFifo(string path, Func<bool> isAlive, CancellationToken cancellationToken)
    {
        // Non-blocking open: a blocking one would hang forever if the init died before opening its end.
        var fd = Libc.open(path, LinuxConstants.O_RDONLY | LinuxConstants.O_NONBLOCK | LinuxConstants.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new RuntimeException(Sys.KindOf(Libc.Errno), $"open {path}: {Libc.ErrorText(Libc.Errno)}");
        }

        try
        {
            var pollFd = new Libc.PollFd { Fd = fd, Events = LinuxConstants.POLLIN };
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                pollFd.Revents = 0;
                var ready = Libc.poll(&pollFd, 1, 100);
                if (ready < 0 && Libc.Errno != LinuxConstants.EINTR)
                {
                    throw new RuntimeException(Sys.KindOf(Libc.Errno), $"poll {path}: {Libc.ErrorText(Libc.Errno)}");
                }

                if (ready > 0 && (pollFd.Revents & LinuxConstants.POLLIN) != 0)
                {
                    byte b;
                    var n = Libc.read(fd, &b, 1);
                    if (n == 1)
                    {
                        return;
                    }

                    if (n == 0)
                    {
                        throw new RuntimeException(RuntimeErrorKind.InvalidState, "the container's init exited before it could be started");
                    }

                    if (Libc.Errno is not (LinuxConstants.EAGAIN or LinuxConstants.EINTR))
                    {
                        throw new RuntimeException(Sys.KindOf(Libc.Errno), $"read {path}: {Libc.ErrorText(Libc.Errno)}");
                    }
                }
                else if (ready > 0 && (pollFd.Revents & LinuxConstants.POLLHUP) != 0)
                {
                    throw new RuntimeException(RuntimeErrorKind.InvalidState, "the container's init exited before it could be started");
                }
                else if (!isAlive())
                {
                    throw new RuntimeException(RuntimeErrorKind.InvalidState, "the container's init exited before it could be started");
                }
            }
        }
        finally
        {
            Libc.close(fd);
        }
    }

    public IDisposable LockDirectory(string path)
    {
        while (true)
        {
            var fd = Libc.open(path, LinuxConstants.O_RDONLY | LinuxConstants.O_DIRECTORY | LinuxConstants.O_CLOEXEC, 0);
            if (fd < 0)
            {
                throw new DirectoryNotFoundException(path);
            }

            while (Libc.flock(fd, LinuxConstants.LOCK_EX) != 0)
            {
                if (Libc.Errno != LinuxConstants.EINTR)
                {
                    var errno = Libc.Errno;
                    Libc.close(fd);
                    throw new IOException($"flock {path}: {Libc.ErrorText(errno)}");
                }
            }
            // The holder we waited for may have deleted the container (and someone may have recreated it): lock the live directory.
            if (Libc.LinkCount(fd) > 0)
            {
                return new FdLock(fd);
            }

            Libc.close(fd);
        }
    }

    public bool TryCreateDirectory(string path, int mode)
    {
        if (Libc.mkdir(path, (uint)mode) == 0)
        {
            return true;
        }

        var errno = Libc.Errno;
        if (errno == LinuxConstants.EEXIST)
        {
            return false;
        }

        throw new IOException($"mkdir {path}: {Libc.ErrorText(errno)}");
    }

    public void BecomeChildSubreaper()
    {
        if (Libc.prctl(LinuxConstants.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
        {
            throw new RuntimeException(Sys.KindOf(Libc.Errno), $"prctl(PR_SET_CHILD_SUBREAPER): {Libc.ErrorText(Libc.Errno)}");
        }
    }

    private sealed class FdLock(int fd) : IDisposable
    {
        private int _fd = fd;

        public void Dispose()
        {
            var fd = Interlocked.Exchange(ref _fd, -1);
            if (fd >= 0)
            {
                Libc.close(fd);
            }
        }
    }

    public IDisposable? TryLockDirectory(string path)
    {
        var fd = Libc.open(path, LinuxConstants.O_RDONLY | LinuxConstants.O_DIRECTORY | LinuxConstants.O_CLOEXEC, 0);
        if (fd < 0)
        {
            return null;
        }

        while (Libc.flock(fd, LinuxConstants.LOCK_EX | LinuxConstants.LOCK_NB) != 0)
        {
            var errno = Libc.Errno;
            if (errno == LinuxConstants.EINTR)
            {
                continue;
            }

            Libc.close(fd);
            if (errno == LinuxConstants.EAGAIN)
            {
                return null;
            }

            throw new IOException($"flock {path}: {Libc.ErrorText(errno)}");
        }
        if (Libc.LinkCount(fd) > 0)
        {
            return new FdLock(fd);
        }

        Libc.close(fd);
        return null;
    }

    public bool TryRenameNoReplace(string from, string to)
    {
        if (Libc.renameat2(LinuxConstants.AT_FDCWD, from, LinuxConstants.AT_FDCWD, to, LinuxConstants.RENAME_NOREPLACE) == 0)
        {
            return true;
        }

        var errno = Libc.Errno;
        if (errno == LinuxConstants.EEXIST)
        {
            return false;
        }

        throw new IOException($"rename {from} to {to}: {Libc.ErrorText(errno)}");
    }

    public IReadOnlyList<State.HostMount> ReadMounts() => MountTable.Parse(File.ReadAllText("/proc/self/mountinfo"));

    public bool Unmount(string path)
    {
        if (Libc.umount2(path, LinuxConstants.MNT_DETACH) == 0)
        {
            return true;
        }

        var errno = Libc.Errno;
        if (errno is LinuxConstants.EINVAL or LinuxConstants.ENOENT)
        {
            return false;
        }

        throw new RuntimeException(Sys.KindOf(errno), $"unmount {path}: {Libc.ErrorText(errno)}");
    }
}
