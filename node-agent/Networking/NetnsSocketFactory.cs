using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Platform.NodeAgent.Native;

namespace Platform.NodeAgent.Networking;

/// <summary>
/// Creates sockets inside other network namespaces. A socket belongs to the namespace it was created in,
/// so one dedicated thread setns()es into the instance's namespace, creates the socket and setns()es back; any
/// thread can then connect it to the instance's 127.0.0.1. Only that thread ever changes namespace, and it
/// always returns home, so it never keeps a stopped instance's namespace alive.
/// </summary>
internal sealed class NetnsSocketFactory : IDisposable
{
    private readonly BlockingCollection<Request> _requests = new();
    private readonly SafeFileHandle _home;
    private readonly object _threadLock = new();
    private Thread? _thread;

    public NetnsSocketFactory()
    {
        _home = OpenNamespace("/proc/self/ns/net");
    }

    /// <summary>Opens a network namespace file (/proc/&lt;pid&gt;/ns/net) to keep for later socket creation.</summary>
    public static SafeFileHandle OpenNamespace(string path) =>
        File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);

    public Task<Socket> CreateTcpSocketAsync(SafeFileHandle netns, CancellationToken cancellationToken) =>
        CreateSocketAsync(netns, SocketType.Stream, ProtocolType.Tcp, cancellationToken);

    /// <summary>An IPv4 socket of <paramref name="type"/> in the namespace: bound or connected there, it serves there.</summary>
    public Task<Socket> CreateSocketAsync(SafeFileHandle netns, SocketType type, ProtocolType protocol, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var request = new Request(netns, type, protocol, new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously));
        EnsureThread();
        _requests.Add(request, cancellationToken);
        return request.Result.Task.WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        _requests.CompleteAdding();
        _thread?.Join(TimeSpan.FromSeconds(5));
        _home.Dispose();
        _requests.Dispose();
    }

    private void EnsureThread()
    {
        lock (_threadLock)
        {
            if (_thread is { IsAlive: true })
            {
                return;
            }

            _thread = new Thread(Run) { IsBackground = true, Name = "netns-sockets" };
            _thread.Start();
        }
    }

    private void Run()
    {
        foreach (var request in _requests.GetConsumingEnumerable())
        {
            if (!Serve(request))
            {
                // Could not return to the host namespace: end this thread (which releases the namespace) and
                // let the next request start a fresh one.
                lock (_threadLock)
                {
                    _thread = null;
                }

                if (_requests.Count > 0 && !_requests.IsAddingCompleted)
                {
                    EnsureThread();
                }

                return;
            }
        }
    }

    /// <returns>False when this thread is stranded in another namespace.</returns>
    private bool Serve(Request request)
    {
        var added = false;
        try
        {
            request.Netns.DangerousAddRef(ref added);
            if (LibC.setns((int)request.Netns.DangerousGetHandle(), LibC.CLONE_NEWNET) != 0)
            {
                request.Result.TrySetException(new IOException($"setns into the instance's network namespace failed: errno {Marshal.GetLastPInvokeError()}"));
                return true;
            }

            Socket? socket = null;
            Exception? error = null;
            try
            {
                socket = new Socket(AddressFamily.InterNetwork, request.Type, request.Protocol);
            }
            catch (Exception ex)
            {
                error = ex;
            }

            var home = LibC.setns((int)_home.DangerousGetHandle(), LibC.CLONE_NEWNET) == 0;
            if (socket is not null)
            {
                request.Result.TrySetResult(socket);
            }
            else
            {
                request.Result.TrySetException(error!);
            }

            return home;
        }
        catch (Exception ex)
        {
            // The instance's namespace handle was closed (it is stopping).
            request.Result.TrySetException(ex);
            return true;
        }
        finally
        {
            if (added)
            {
                request.Netns.DangerousRelease();
            }
        }
    }

    private sealed record Request(SafeFileHandle Netns, SocketType Type, ProtocolType Protocol, TaskCompletionSource<Socket> Result);
}
