using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Platform.Contracts;
using Platform.NodeAgent.Native;
using Platform.Runtime.Syscalls;

namespace Platform.NodeAgent.Logs;

/// <summary>
/// Reads one output stream of an instance (its FIFO, <see cref="Native.OutputFifo"/>) until the container closes
/// it, splitting it into lines for the log store and appending them, with their time, to the instance's log file
/// (<see cref="LogFile"/>). Very long lines are cut, so a function that never writes a newline cannot grow the
/// agent's memory; the file rotates once at <c>maxFileBytes</c> (to <c>.1</c>), so a chatty one cannot fill the
/// node's disk. The FIFO is read without blocking and waited on in the runtime's one epoll thread
/// (<see cref="FdWatcher"/>), and a buffer is held only while a line is incomplete: an idle instance's two
/// pumps cost no thread and no buffer, which is what lets a node hold thousands of them.
/// </summary>
internal sealed class LogPump
{
    private const int MaxLineBytes = 16 * 1024;

    // What LogFile adds to a line: its time, a space and the newline.
    private const int StampBytes = 30;

    private readonly SafeFileHandle _source;
    private readonly string _filePath;
    private readonly long _maxFileBytes;
    private readonly Guid _functionId;
    private readonly Guid _instanceId;
    private readonly string _stream;
    private readonly InstanceLogStore _store;
    private readonly TimeProvider _time;
    private FileStream _file;
    private byte[]? _buffer;
    private int _filled;

    private LogPump(SafeFileHandle source, string filePath, long maxFileBytes, Guid functionId, Guid instanceId, string stream, InstanceLogStore store, TimeProvider time)
    {
        (_source, _filePath, _maxFileBytes, _functionId, _instanceId, _stream, _store, _time) =
            (source, filePath, maxFileBytes, functionId, instanceId, stream, store, time);
        _file = Open(filePath);
    }

    /// <summary>Pumps <paramref name="source"/> (a non-blocking FIFO read end, which the pump closes) until its writers are gone.</summary>
    public static Task RunAsync(SafeFileHandle source, string filePath, long maxFileBytes, Guid functionId, Guid instanceId, string stream, InstanceLogStore store, TimeProvider time) =>
        new LogPump(source, filePath, maxFileBytes, functionId, instanceId, stream, store, time).RunAsync();

    private async Task RunAsync()
    {
        try
        {
            while (ReadAvailable())
            {
                await FdWatcher.Shared.WaitReadableAsync((int)_source.DangerousGetHandle(), CancellationToken.None);
            }
            if (_filled > 0)
            {
                Emit(_buffer.AsSpan(0, _filled));
            }
        }
        catch (IOException)
        {
            // The FIFO failed: what was read is kept; the instance's exit is reported elsewhere.
        }
        finally
        {
            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }
            _file.Dispose();
            _source.Dispose();
        }
    }

    /// <summary>Reads and emits what the FIFO holds; false at its end (every writer gone).</summary>
    private bool ReadAvailable()
    {
        while (true)
        {
            _buffer ??= ArrayPool<byte>.Shared.Rent(MaxLineBytes);
            int read = LibC.read(_source, ref _buffer[_filled], MaxLineBytes - _filled);
            if (read < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == LibC.EINTR)
                {
                    continue;
                }
                if (errno != LibC.EAGAIN)
                {
                    return false;
                }
                // Nothing more for now: an idle pump holds no buffer between its lines.
                if (_filled == 0)
                {
                    ArrayPool<byte>.Shared.Return(_buffer);
                    _buffer = null;
                }
                _file.Flush();
                return true;
            }
            if (read == 0)
            {
                _file.Flush();
                return false;
            }
            Split(read);
        }
    }

    private void Split(int read)
    {
        byte[] buffer = _buffer!;
        _filled += read;
        int start = 0;
        int newline;
        while ((newline = Array.IndexOf(buffer, (byte)'\n', start, _filled - start)) >= 0)
        {
            Emit(buffer.AsSpan(start, newline - start));
            start = newline + 1;
        }
        if (start == 0 && _filled == MaxLineBytes)
        {
            Emit(buffer.AsSpan(0, MaxLineBytes));
            _filled = 0;
        }
        else if (start > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, _filled - start);
            _filled -= start;
        }
    }

    private void Emit(ReadOnlySpan<byte> line)
    {
        if (_file.Length + line.Length + StampBytes > _maxFileBytes)
        {
            _file.Dispose();
            File.Move(_filePath, _filePath + ".1", overwrite: true);
            _file = Open(_filePath);
        }

        var at = _time.GetUtcNow();
        LogFile.WriteLine(_file, at, line);
        var text = Encoding.UTF8.GetString(line);
        _store.Append(_functionId, new LogLine(at, _instanceId, _stream, text.EndsWith('\r') ? text[..^1] : text));
    }

    private static FileStream Open(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096);
}
