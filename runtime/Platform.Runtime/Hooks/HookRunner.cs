using System.Text;
using System.Text.Json;
using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Spec;
using Platform.Runtime.State;
using Platform.Runtime.Syscalls;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Hooks;

/// <summary>
/// Runs hooks on the host (runtime namespace): path, argv and env exactly as given (args[0] is argv[0], as
/// config.md specifies: posix_spawn, because .NET's Process always puts the path there, which breaks
/// multi-call binaries such as busybox), the state JSON on stdin, killed when its timeout passes. A failing
/// hook's output is put into the error so the user sees why.
/// </summary>
internal sealed class HookRunner : IHookRunner
{
    private const int MaxOutputInError = 2048;
    /// <summary>After the hook exits, how long a child it left holding its output may keep the pipe open.</summary>
    private static readonly TimeSpan OutputDrainGrace = TimeSpan.FromSeconds(1);

    public async Task RunAsync(string stage, IReadOnlyList<Hook>? hooks, ContainerState state, CancellationToken cancellationToken)
    {
        if (hooks is not { Count: > 0 })
        {
            return;
        }

        var stateJson = Compact(state);
        // runtime.md: the remaining hooks run after a failure (for poststop and poststart that is the rule; for the
        // others the stage fails anyway, and one failure should not hide the next), so all failures are reported.
        var failures = new List<string>();
        for (var i = 0; i < hooks.Count; i++)
        {
            try
            {
                await RunOneAsync($"{stage}[{i}]", hooks[i], stateJson, cancellationToken);
            }
            catch (RuntimeException e)
            {
                failures.Add(e.Message);
            }
        }
        if (failures.Count > 0)
        {
            throw new RuntimeException(RuntimeErrorKind.HookFailed, string.Join("; ", failures));
        }
    }

    /// <summary>One line of JSON, so hooks can read the state with a line-oriented reader.</summary>
    private static byte[] Compact(ContainerState state)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            JsonSerializer.Serialize(writer, state, StateJsonContext.Default.ContainerState);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static async Task RunOneAsync(string name, Hook hook, byte[] stateJson, CancellationToken cancellationToken)
    {
        var path = hook.Path ?? throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"hook {name}: path is required");
        var (stdinRead, stdinWrite) = Pipe();
        var (outputRead, outputWrite) = Pipe();
        int pid;
        try
        {
            // stdout and stderr share one pipe: the error shows what the hook printed in the order it printed it.
            pid = ProcessSpawner.Spawn(path, hook.Args is { Count: > 0 } args ? args : [path], hook.Env ?? [], [stdinRead, outputWrite, outputWrite], newProcessGroup: true);
        }
        catch (RuntimeException e)
        {
            Libc.close(stdinWrite);
            Libc.close(outputRead);
            throw new RuntimeException(RuntimeErrorKind.HookFailed, $"hook {name} ({path}): cannot run it: {e.Message}", e);
        }
        finally
        {
            Libc.close(stdinRead);
            Libc.close(outputWrite);
        }

        // The timeout covers the whole hook, including a hook that never reads its stdin.
        using var timeout = hook.Timeout is { } seconds ? new CancellationTokenSource(TimeSpan.FromSeconds(seconds)) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        using var drain = new CancellationTokenSource();
        var output = ReadTailAsync(outputRead, drain.Token);
        var pidfd = Libc.PidfdOpen(pid);
        if (pidfd < 0)
        {
            var error = Libc.ErrorText(Libc.Errno);
            Libc.close(stdinWrite);
            Libc.kill(-pid, SIGKILL);
            ProcessSpawner.Wait(pid);
            drain.Cancel();
            await output;
            throw new RuntimeException(RuntimeErrorKind.HookFailed, $"hook {name} ({path}): pidfd_open: {error}");
        }
        try
        {
            await Task.Run(() => WriteState(stdinWrite, stateJson, linked.Token), CancellationToken.None);
            var wait = FdWatcher.Shared.WaitForExitAsync(pidfd, linked.Token);
            pidfd = -1; // the watcher owns it now and closes it when the wait ends
            await wait;
        }
        catch
        {
            // The hook and whatever it started (its process group) go; then its output is collected.
            Libc.kill(-pid, SIGKILL);
            ProcessSpawner.Wait(pid);
            if (pidfd >= 0)
            {
                Libc.close(pidfd);
            }

            drain.Cancel();
            await output;
            if (timeout.IsCancellationRequested)
            {
                throw new RuntimeException(RuntimeErrorKind.HookFailed, $"hook {name} ({path}): timed out after {hook.Timeout} s and was killed");
            }

            throw;
        }

        var status = ProcessSpawner.Wait(pid);
        drain.CancelAfter(OutputDrainGrace);
        var text = (await output).Trim();
        if (status != 0)
        {
            throw new RuntimeException(RuntimeErrorKind.HookFailed, $"hook {name} ({path}): exited with status {status}{(text.Length > 0 ? $": {text}" : "")}");
        }
    }

    /// <summary>
    /// Writes the state and closes the hook's stdin, polling so that a hook which never reads it (and a state
    /// bigger than the pipe buffer) is still bounded by the timeout. A hook that exits without reading is fine:
    /// EPIPE ends the write (SIGPIPE is ignored in .NET processes).
    /// </summary>
    private static unsafe void WriteState(int fd, byte[] state, CancellationToken cancellationToken)
    {
        try
        {
            Libc.fcntl(fd, F_SETFL, O_NONBLOCK);
            var poll = new Libc.PollFd { Fd = fd, Events = POLLOUT };
            fixed (byte* p = state)
            {
                var written = 0;
                while (written < state.Length)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var n = Libc.write(fd, p + written, state.Length - written);
                    if (n > 0)
                    {
                        written += (int)n;
                        continue;
                    }
                    if (n < 0 && Libc.Errno is EAGAIN or EINTR)
                    {
                        poll.Revents = 0;
                        Libc.poll(&poll, 1, 100);
                        continue;
                    }
                    return;
                }
            }
        }
        finally
        {
            Libc.close(fd);
        }
    }

    /// <summary>
    /// Reads the hook's output to its end, or until cancelled (polled in slices: a blocking read could not be
    /// interrupted when a child of the hook keeps the pipe open), keeping the last <see cref="MaxOutputInError"/> characters.
    /// </summary>
    private static unsafe Task<string> ReadTailAsync(int fd, CancellationToken cancellationToken) => Task.Run(() =>
    {
        var tail = new List<byte>();
        var buffer = stackalloc byte[4096];
        var poll = new Libc.PollFd { Fd = fd, Events = POLLIN };
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                poll.Revents = 0;
                var ready = Libc.poll(&poll, 1, 100);
                if (ready == 0 || (ready < 0 && Libc.Errno == EINTR))
                {
                    continue;
                }

                var n = Libc.read(fd, buffer, 4096);
                if (n < 0 && Libc.Errno == EINTR)
                {
                    continue;
                }

                if (n <= 0)
                {
                    break;
                }

                tail.AddRange(new ReadOnlySpan<byte>(buffer, (int)n));
                if (tail.Count > MaxOutputInError * 4)
                {
                    tail.RemoveRange(0, tail.Count - MaxOutputInError * 4);
                }
            }
        }
        finally
        {
            Libc.close(fd);
        }
        var text = Encoding.UTF8.GetString(tail.ToArray());
        return text.Length > MaxOutputInError ? text[^MaxOutputInError..] : text;
    }, CancellationToken.None);

    private static unsafe (int Read, int Write) Pipe()
    {
        var fds = stackalloc int[2];
        if (Libc.pipe2(fds, O_CLOEXEC) != 0)
        {
            throw new RuntimeException(RuntimeErrorKind.HostFailure, $"hook: pipe: {Libc.ErrorText(Libc.Errno)}");
        }

        return (fds[0], fds[1]);
    }
}
