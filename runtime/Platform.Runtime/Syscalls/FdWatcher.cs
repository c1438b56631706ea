using System.Collections.Concurrent;
using Platform.Runtime.Linux.Interop;

namespace Platform.Runtime.Syscalls;

/// <summary>
/// Completes tasks when file descriptors become ready: pidfds when processes exit (processes that are not
/// necessarily our children: a container's PID 1 usually is not), the sync socket while an init starts, and
/// for the node agent the FIFOs its instances write their output to. One thread waits in epoll on all of them,
/// so thousands of waiting containers cost one thread rather than one blocked thread each.
/// </summary>
public sealed unsafe class FdWatcher
{
    public static FdWatcher Shared { get; } = new();

    private FdWatcher()
    {
    }

    private readonly ConcurrentDictionary<ulong, Entry> _entries = new();
    private readonly Lock _startLock = new();
    private int _epollFd = -1;
    private ulong _nextToken;

    private sealed record Entry(int Fd, bool OwnsFd, TaskCompletionSource Completion);

    /// <summary>Waits for the exit of an open pidfd, taking ownership of it (it is closed when the wait ends).</summary>
    internal Task WaitForExitAsync(int pidfd, CancellationToken cancellationToken) =>
        Watch(pidfd, LinuxConstants.EPOLLIN, ownsFd: true, cancellationToken);

    /// <summary>Waits until <paramref name="fd"/> is ready for <paramref name="events"/> (or hung up); the fd stays the caller's.</summary>
    internal Task WaitReadyAsync(int fd, uint events, CancellationToken cancellationToken) =>
        Watch(fd, events, ownsFd: false, cancellationToken);

    /// <summary>
    /// Waits until a non-blocking <paramref name="fd"/> (a pipe, a FIFO) has data to read or its writers are gone;
    /// the fd stays the caller's, who must keep it open until the wait ends.
    /// </summary>
    public Task WaitReadableAsync(int fd, CancellationToken cancellationToken) =>
        WaitReadyAsync(fd, LinuxConstants.EPOLLIN, cancellationToken);

    private Task Watch(int fd, uint events, bool ownsFd, CancellationToken cancellationToken)
    {
        var epollFd = EnsureStarted();
        var token = Interlocked.Increment(ref _nextToken);
        var entry = new Entry(fd, ownsFd, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _entries[token] = entry;

        var ev = new Libc.EpollEvent { Events = events, Data = token };
        if (Libc.epoll_ctl(epollFd, LinuxConstants.EPOLL_CTL_ADD, fd, &ev) != 0)
        {
            var errno = Libc.Errno;
            Remove(token, epollFd);
            return Task.FromException(new IOException($"epoll_ctl: {Libc.ErrorText(errno)}"));
        }

        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() =>
            {
                if (Remove(token, epollFd) is { } removed)
                {
                    removed.Completion.TrySetCanceled(cancellationToken);
                }
            });
            entry.Completion.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        }
        return entry.Completion.Task;
    }

    private Entry? Remove(ulong token, int epollFd)
    {
        // Whoever removes the entry owns closing an owned fd; tokens (not fds) key the map, so a reused fd number never completes the wrong wait.
        if (!_entries.TryRemove(token, out var entry))
        {
            return null;
        }

        Libc.epoll_ctl(epollFd, LinuxConstants.EPOLL_CTL_DEL, entry.Fd, null);
        if (entry.OwnsFd)
        {
            Libc.close(entry.Fd);
        }

        return entry;
    }

    private int EnsureStarted()
    {
        lock (_startLock)
        {
            if (_epollFd >= 0)
            {
                return _epollFd;
            }

            var fd = Libc.epoll_create1(LinuxConstants.EPOLL_CLOEXEC);
            if (fd < 0)
            {
                throw new IOException($"epoll_create1: {Libc.ErrorText(Libc.Errno)}");
            }

            _epollFd = fd;
            new Thread(() => Run(fd)) { IsBackground = true, Name = "fd-watcher" }.Start();
            return fd;
        }
    }

    private void Run(int epollFd)
    {
        const int MaxEvents = 64;
        var events = stackalloc Libc.EpollEvent[MaxEvents];
        while (true)
        {
            var count = Libc.epoll_wait(epollFd, events, MaxEvents, -1);
            if (count < 0)
            {
                // Read errno before Remove's epoll_ctl/close overwrite it.
                var errno = Libc.Errno;
                if (errno == LinuxConstants.EINTR)
                {
                    continue;
                }

                var error = new IOException($"epoll_wait: {Libc.ErrorText(errno)}");
                foreach (var token in _entries.Keys)
                {
                    Remove(token, epollFd)?.Completion.TrySetException(error);
                }
                // A persistent failure must not spin a core; waiters registered later fail the same way.
                Thread.Sleep(100);
                continue;
            }
            for (var i = 0; i < count; i++)
            {
                Remove(events[i].Data, epollFd)?.Completion.TrySetResult();
            }
        }
    }
}
