using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Tmds.Linux;

namespace Platform.ColdStart.Bench;

/// <summary>
/// Waits for the first HTTP answer of a server in another process's network namespace (a crun container's
/// loopback), the way the node agent reaches an instance (DESIGN §1): a socket belongs to the namespace it was
/// made in. One dedicated thread joins the namespace for the whole probe and never returns to the host's (it
/// ends there), retrying a refused connect every millisecond: as tight as the node agent's first retries.
/// </summary>
internal static class NetnsProbe
{
    private static readonly byte[] Request = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n");

    public static Task WaitForAnswerAsync(int pid, int port, TimeSpan timeout)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Probe(pid, port, timeout);
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }) { IsBackground = true, Name = "netns-probe" };
        thread.Start();
        return done.Task;
    }

    private static void Probe(int pid, int port, TimeSpan timeout)
    {
        using (var netns = File.OpenHandle($"/proc/{pid}/ns/net"))
        {
            if (LibC.setns((int)netns.DangerousGetHandle(), LibC.CLONE_NEWNET) != 0)
            {
                throw new IOException($"setns into pid {pid}'s network namespace: errno {LibC.errno}");
            }
        }

        var started = Stopwatch.GetTimestamp();
        var buffer = new byte[64];
        while (true)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
                socket.Send(Request);
                if (socket.Receive(buffer) > 0)
                {
                    return;
                }
            }
            catch (SocketException) when (Stopwatch.GetElapsedTime(started) < timeout)
            {
                Thread.Sleep(1);
            }
        }
    }
}
