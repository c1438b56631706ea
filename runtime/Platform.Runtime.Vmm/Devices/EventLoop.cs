using Platform.Runtime.Vmm.Vstate;

namespace Platform.Runtime.Vmm.Devices;

/// <summary>
/// One epoll thread per VM that runs every device's work: virtqueue notifications (the ioeventfds KVM signals on
/// QueueNotify) and any other fd a device waits on (a vsock device's unix sockets). Handlers run on the loop
/// thread only, one at a time, so a device needs no locking against itself. <see cref="Register"/>,
/// <see cref="Modify"/>, <see cref="Unregister"/> and <see cref="Post"/> may be called from any thread. The loop
/// does not own the fds it watches: their owners close them after unregistering. Disposal stops and joins the thread.
/// </summary>
public sealed unsafe class EventLoop : IDisposable
{
    private const int MaxEventsPerWait = 32;
    // Tokens, not fds, name registrations in epoll's user data: an fd closed and reused by another registration
    // within one epoll_wait batch must not reach the new handler with the old fd's readiness.
    private const ulong WakeToken = 0;

    private readonly Lock _lock = new();
    private readonly Dictionary<int, ulong> _tokens = [];
    private readonly Dictionary<ulong, Action<FdEvents>> _handlers = [];
    private readonly Queue<(Action Action, TaskCompletionSource? Done)> _posted = new();
    private readonly Action<Exception> _onError;
    private readonly EventFd _wake;
    private readonly Thread _thread;
    private int _epoll;
    private ulong _nextToken = 1;
    private volatile bool _stopping;
    private bool _disposed;

    /// <param name="name">The thread's name (Linux keeps 15 characters).</param>
    /// <param name="onError">Told of an exception a handler or posted action threw; the loop carries on.</param>
    public EventLoop(string name, Action<Exception> onError)
    {
        ArgumentNullException.ThrowIfNull(onError);
        _onError = onError;
        _epoll = Native.EpollCreate1(Native.EPOLL_CLOEXEC);
        if (_epoll < 0)
        {
            throw Kvm.Failed("epoll_create1", Native.Errno);
        }
        try
        {
            _wake = new EventFd();
            Control(Native.EPOLL_CTL_ADD, _wake.Fd, FdEvents.Readable, WakeToken);
        }
        catch
        {
            _wake?.Dispose();
            Native.Close(_epoll);
            throw;
        }
        _thread = new Thread(Run) { Name = name, IsBackground = true };
        _thread.Start();
    }

    /// <summary>True on the loop thread, where handlers and posted actions run.</summary>
    public bool IsLoopThread => Thread.CurrentThread == _thread;

    /// <summary>Calls <paramref name="handler"/> on the loop thread with the ready events whenever <paramref name="fd"/> is ready for <paramref name="events"/>.</summary>
    public void Register(int fd, FdEvents events, Action<FdEvents> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_tokens.ContainsKey(fd))
            {
                throw new InvalidOperationException($"fd {fd} is already registered with the event loop");
            }
            ulong token = _nextToken++;
            Control(Native.EPOLL_CTL_ADD, fd, events, token);
            _tokens.Add(fd, token);
            _handlers.Add(token, handler);
        }
    }

    /// <summary>Changes what a registered fd waits for (e.g. adds <see cref="FdEvents.Writable"/> while output is queued).</summary>
    public void Modify(int fd, FdEvents events)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_tokens.TryGetValue(fd, out ulong token))
            {
                throw new InvalidOperationException($"fd {fd} is not registered with the event loop");
            }
            Control(Native.EPOLL_CTL_MOD, fd, events, token);
        }
    }

    /// <summary>
    /// Stops watching <paramref name="fd"/>; false if it was not registered. Called on the loop thread, no handler
    /// for it runs afterwards; called elsewhere, a handler already running may still finish.
    /// </summary>
    public bool Unregister(int fd)
    {
        lock (_lock)
        {
            if (_disposed || !_tokens.Remove(fd, out ulong token))
            {
                return false;
            }
            _handlers.Remove(token);
            // The fd may already be closed by its owner, which removed it from epoll: nothing more to undo then.
            Native.EpollCtl(_epoll, Native.EPOLL_CTL_DEL, fd, null);
            return true;
        }
    }

    /// <summary>Runs <paramref name="action"/> on the loop thread, after the fd handlers of the current wake-up; dropped if the loop stops first.</summary>
    public void Post(Action action) => Enqueue(action, null);

    /// <summary>Runs <paramref name="action"/> on the loop thread; the task ends when it has (canceled if the loop stops first).</summary>
    public Task InvokeAsync(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(action, done);
        return done.Task;
    }

    private void Enqueue(Action action, TaskCompletionSource? done)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _posted.Enqueue((action, done));
        }
        _wake.Signal();
    }

    private void Control(int op, int fd, FdEvents events, ulong token)
    {
        var ev = new EpollEvent { Events = (uint)events, Data = token };
        if (Native.EpollCtl(_epoll, op, fd, &ev) < 0)
        {
            throw Kvm.Failed($"epoll_ctl({(op == Native.EPOLL_CTL_ADD ? "ADD" : "MOD")}, fd {fd})", Native.Errno);
        }
    }

    private void Run()
    {
        EpollEvent* events = stackalloc EpollEvent[MaxEventsPerWait];
        var batch = new List<(Action Action, TaskCompletionSource? Done)>();
        while (!_stopping)
        {
            if (!Wait(events, -1))
            {
                return;
            }
            while (!_stopping && TakePosted(batch))
            {
                // Fds that became ready before these actions were posted are served first: an action posted after
                // a notification (a test's barrier, a device's follow-up) runs after that notification's handler.
                if (!Wait(events, 0))
                {
                    return;
                }
                RunPosted(batch);
            }
        }
    }

    private bool Wait(EpollEvent* events, int timeoutMs)
    {
        int n = Native.EpollWait(_epoll, events, MaxEventsPerWait, timeoutMs);
        if (n < 0)
        {
            int errno = Native.Errno;
            if (errno == Native.EINTR)
            {
                return true;
            }
            _onError(Kvm.Failed("epoll_wait", errno));
            return false;
        }
        for (int i = 0; i < n && !_stopping; i++)
        {
            if (events[i].Data == WakeToken)
            {
                _wake.Drain();
                continue;
            }
            Action<FdEvents>? handler;
            lock (_lock)
            {
                _handlers.TryGetValue(events[i].Data, out handler);
            }
            Invoke(handler, (FdEvents)events[i].Events);
        }
        return true;
    }

    private bool TakePosted(List<(Action Action, TaskCompletionSource? Done)> batch)
    {
        batch.Clear();
        lock (_lock)
        {
            while (_posted.TryDequeue(out (Action Action, TaskCompletionSource? Done) item))
            {
                batch.Add(item);
            }
        }
        return batch.Count > 0;
    }

    private void RunPosted(List<(Action Action, TaskCompletionSource? Done)> batch)
    {
        foreach ((Action action, TaskCompletionSource? done) in batch)
        {
            if (_stopping)
            {
                done?.TrySetCanceled();
                continue;
            }
            try
            {
                action();
                done?.TrySetResult();
            }
            catch (Exception e)
            {
                if (done is null)
                {
                    _onError(e);
                }
                else
                {
                    done.TrySetException(e);
                }
            }
        }
    }

    private void Invoke(Action<FdEvents>? handler, FdEvents events)
    {
        try
        {
            handler?.Invoke(events);
        }
        catch (Exception e)
        {
            _onError(e);
        }
    }

    /// <summary>Stops the loop and joins its thread (unless called from a handler, when the thread ends after it returns).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _stopping = true;
            _tokens.Clear();
            _handlers.Clear();
            foreach ((Action _, TaskCompletionSource? done) in _posted)
            {
                done?.TrySetCanceled();
            }
            _posted.Clear();
        }
        _wake.Signal();
        if (!IsLoopThread)
        {
            _thread.Join();
        }
        // A handler that disposes its own loop returns into a loop that only checks _stopping, never the fds.
        Native.Close(_epoll);
        _epoll = -1;
        _wake.Dispose();
    }
}
