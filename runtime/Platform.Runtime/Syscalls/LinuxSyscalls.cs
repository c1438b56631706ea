namespace Platform.Runtime.Syscalls;

/// <summary>The real <see cref="ISyscalls"/>: procfs, pidfds, flock and fifos.</summary>
internal sealed unsafe class LinuxSyscalls : ISyscalls
{
    public static LinuxSyscalls Instance { get; } = new();

    public ProcessStat? ReadProcessStat(int pid)
    {
        if (pid <= 0)
            return null;
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
            return false;
        try
        {
            if (Native.PidfdSendSignal(pidfd, signal) == 0)
                return true;
            var errno = Native.LastError;
            if (errno == Native.ESRCH)
                return false;
            throw new RuntimeException($"signal {signal} to pid {pid}: {Native.ErrorText(errno)}");
        }
        finally
        {
            Native.Close(pidfd);
        }
    }

    public Task WaitForExitAsync(int pid, ulong startTime, CancellationToken cancellationToken)
    {
        var pidfd = OpenPidfd(pid, startTime);
        return pidfd < 0 ? Task.CompletedTask : PidfdWatcher.Shared.WaitAsync(pidfd, cancellationToken);
    }

    /// <summary>Opens a pidfd and then checks the start time, so the fd surely refers to the recorded process; -1 when it is gone.</summary>
    private int OpenPidfd(int pid, ulong startTime)
    {
        var pidfd = Native.PidfdOpen(pid);
        if (pidfd < 0)
        {
            var errno = Native.LastError;
            if (errno == Native.ESRCH)
                return -1;
            throw new RuntimeException($"pidfd_open({pid}): {Native.ErrorText(errno)}");
        }
        var stat = ReadProcessStat(pid);
        if (stat is null || stat.StartTime != startTime)
        {
            Native.Close(pidfd);
            return -1;
        }
        return pidfd;
    }

    public int? TryReap(int pid)
    {
        int status;
        var result = Native.Waitpid(pid, &status, Native.WNOHANG);
        return result == pid ? Native.ShellStatus(status) : null;
    }

    public void MakeFifo(string path)
    {
        if (Native.Mkfifo(path, 0b110_010_010) != 0)
            throw new IOException($"mkfifo {path}: {Native.ErrorText(Native.LastError)}");
        // mkfifo applies the umask; the init may run as any user in the container and must be able to open it for writing.
        if (Native.Chmod(path, 0b110_010_010) != 0)
            throw new IOException($"chmod {path}: {Native.ErrorText(Native.LastError)}");
    }

    public Task OpenExecFifoAsync(string path, Func<bool> isAlive, CancellationToken cancellationToken) =>
        Task.Run(() => ReadExecFifo(path, isAlive, cancellationToken), cancellationToken);

    private static void ReadExecFifo(string path, Func<bool> isAlive, CancellationToken cancellationToken)
    {
        // Non-blocking open: a blocking one would hang forever if the init died before opening its end.
        var fd = Native.Open(path, Native.O_RDONLY | Native.O_NONBLOCK | Native.O_CLOEXEC, 0);
        if (fd < 0)
            throw new RuntimeException($"open {path}: {Native.ErrorText(Native.LastError)}");
        try
        {
            var pollFd = new Native.PollFd { Fd = fd, Events = Native.POLLIN };
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                pollFd.Revents = 0;
                var ready = Native.Poll(&pollFd, 1, 100);
                if (ready < 0 && Native.LastError != Native.EINTR)
                    throw new RuntimeException($"poll {path}: {Native.ErrorText(Native.LastError)}");
                if (ready > 0 && (pollFd.Revents & Native.POLLIN) != 0)
                {
                    byte b;
                    var n = Native.Read(fd, &b, 1);
                    if (n == 1)
                        return;
                    if (n == 0)
                        throw new RuntimeException("the container's init exited before it could be started");
                    if (Native.LastError is not (Native.EAGAIN or Native.EINTR))
                        throw new RuntimeException($"read {path}: {Native.ErrorText(Native.LastError)}");
                }
                else if (ready > 0 && (pollFd.Revents & Native.POLLHUP) != 0)
                {
                    throw new RuntimeException("the container's init exited before it could be started");
                }
                else if (!isAlive())
                {
                    throw new RuntimeException("the container's init exited before it could be started");
                }
            }
        }
        finally
        {
            Native.Close(fd);
        }
    }

    public IDisposable LockDirectory(string path)
    {
        while (true)
        {
            var fd = Native.Open(path, Native.O_RDONLY | Native.O_DIRECTORY | Native.O_CLOEXEC, 0);
            if (fd < 0)
                throw new DirectoryNotFoundException(path);
            while (Native.Flock(fd, Native.LOCK_EX) != 0)
            {
                if (Native.LastError != Native.EINTR)
                {
                    var errno = Native.LastError;
                    Native.Close(fd);
                    throw new IOException($"flock {path}: {Native.ErrorText(errno)}");
                }
            }
            // The holder we waited for may have deleted the container (and someone may have recreated it): lock the live directory.
            if (Native.LinkCount(fd) > 0)
                return new FdLock(fd);
            Native.Close(fd);
        }
    }

    public bool TryCreateDirectory(string path, int mode)
    {
        if (Native.Mkdir(path, (uint)mode) == 0)
            return true;
        var errno = Native.LastError;
        if (errno == Native.EEXIST)
            return false;
        throw new IOException($"mkdir {path}: {Native.ErrorText(errno)}");
    }

    public void BecomeChildSubreaper()
    {
        if (Native.Prctl(Native.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
            throw new RuntimeException($"prctl(PR_SET_CHILD_SUBREAPER): {Native.ErrorText(Native.LastError)}");
    }

    private sealed class FdLock(int fd) : IDisposable
    {
        private int _fd = fd;

        public void Dispose()
        {
            var fd = Interlocked.Exchange(ref _fd, -1);
            if (fd >= 0)
                Native.Close(fd);
        }
    }
}
