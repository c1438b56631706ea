using System.Net.Sockets;
using System.Text;
using Platform.Contracts;

namespace Platform.NodeAgent.Logs;

/// <summary>
/// Reads one output stream of an instance until the container closes it, splitting it into lines for the
/// log store and appending them to the instance's log file. Very long lines are cut, so a function that never
/// writes a newline cannot grow the agent's memory; the file rotates once at <c>maxFileBytes</c> (to
/// <c>.1</c>), so a chatty one cannot fill the node's disk.
/// </summary>
internal static class LogPump
{
    private const int MaxLineBytes = 16 * 1024;

    public static async Task RunAsync(Socket source, string filePath, long maxFileBytes, Guid functionId, Guid instanceId, string stream, InstanceLogStore store, TimeProvider time)
    {
        using var owned = source;
        var file = Open(filePath);
        var buffer = new byte[MaxLineBytes];
        var filled = 0;
        while (true)
        {
            int read;
            try
            {
                // Receive on the raw socket: a socketpair end has no peer address, so NetworkStream refuses it.
                read = await source.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
            }
            catch (SocketException)
            {
                read = 0;
            }

            if (read == 0)
            {
                if (filled > 0)
                {
                    await EmitAsync(buffer.AsMemory(0, filled));
                }

                await file.FlushAsync();
                await file.DisposeAsync();
                return;
            }

            filled += read;
            var start = 0;
            int newline;
            while ((newline = Array.IndexOf(buffer, (byte)'\n', start, filled - start)) >= 0)
            {
                await EmitAsync(buffer.AsMemory(start, newline - start));
                start = newline + 1;
            }

            if (start == 0 && filled == buffer.Length)
            {
                await EmitAsync(buffer);
                filled = 0;
            }
            else if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
                filled -= start;
            }

            await file.FlushAsync();
        }

        async Task EmitAsync(ReadOnlyMemory<byte> line)
        {
            if (file.Length + line.Length + 1 > maxFileBytes)
            {
                await file.DisposeAsync();
                File.Move(filePath, filePath + ".1", overwrite: true);
                file = Open(filePath);
            }

            await file.WriteAsync(line);
            file.WriteByte((byte)'\n');
            var text = Encoding.UTF8.GetString(line.Span);
            store.Append(functionId, new LogLine(time.GetUtcNow(), instanceId, stream, text.EndsWith('\r') ? text[..^1] : text));
        }
    }

    private static FileStream Open(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.Asynchronous);
}
