using System.Text;
using Microsoft.Win32.SafeHandles;
using Platform.Contracts;

namespace Platform.NodeAgent.Logs;

/// <summary>
/// Reads one output stream of an instance (its FIFO, <see cref="Native.OutputFifo"/>) until the container closes
/// it, splitting it into lines for the log store and appending them, with their time, to the instance's log file
/// (<see cref="LogFile"/>). Very long lines
/// are cut, so a function that never writes a newline cannot grow the agent's memory; the file rotates once at
/// <c>maxFileBytes</c> (to <c>.1</c>), so a chatty one cannot fill the node's disk. A FIFO has no async read that
/// does not block a thread, so each pump has a dedicated thread of its own (never a pool thread).
/// </summary>
internal static class LogPump
{
    private const int MaxLineBytes = 16 * 1024;

    // What LogFile adds to a line: its time, a space and the newline.
    private const int StampBytes = 30;

    public static Task RunAsync(SafeFileHandle source, string filePath, long maxFileBytes, Guid functionId, Guid instanceId, string stream, InstanceLogStore store, TimeProvider time) =>
        Task.Factory.StartNew(
            () => Run(source, filePath, maxFileBytes, functionId, instanceId, stream, store, time),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static void Run(SafeFileHandle source, string filePath, long maxFileBytes, Guid functionId, Guid instanceId, string stream, InstanceLogStore store, TimeProvider time)
    {
        using var input = new FileStream(source, FileAccess.Read, bufferSize: 0);
        var file = Open(filePath);
        var buffer = new byte[MaxLineBytes];
        var filled = 0;
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = input.Read(buffer, filled, buffer.Length - filled);
                }
                catch (IOException)
                {
                    read = 0;
                }

                if (read == 0)
                {
                    if (filled > 0)
                    {
                        Emit(buffer.AsSpan(0, filled));
                    }

                    return;
                }

                filled += read;
                var start = 0;
                int newline;
                while ((newline = Array.IndexOf(buffer, (byte)'\n', start, filled - start)) >= 0)
                {
                    Emit(buffer.AsSpan(start, newline - start));
                    start = newline + 1;
                }

                if (start == 0 && filled == buffer.Length)
                {
                    Emit(buffer);
                    filled = 0;
                }
                else if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
                    filled -= start;
                }

                file.Flush();
            }
        }
        finally
        {
            file.Dispose();
        }

        void Emit(ReadOnlySpan<byte> line)
        {
            if (file.Length + line.Length + StampBytes > maxFileBytes)
            {
                file.Dispose();
                File.Move(filePath, filePath + ".1", overwrite: true);
                file = Open(filePath);
            }

            var at = time.GetUtcNow();
            LogFile.WriteLine(file, at, line);
            var text = Encoding.UTF8.GetString(line);
            store.Append(functionId, new LogLine(at, instanceId, stream, text.EndsWith('\r') ? text[..^1] : text));
        }
    }

    private static FileStream Open(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096);
}
