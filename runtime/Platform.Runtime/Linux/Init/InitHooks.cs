using System.Text;
using System.Text.Json;
using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Spec;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Linux.Init;

/// <summary>
/// The hooks that run inside the container's namespaces (createContainer, startContainer): each gets the
/// state JSON on stdin, its output goes to the container's stderr, and a timeout kills it.
/// </summary>
internal static unsafe class InitHooks
{
    public static void Run(List<Hook>? hooks, string phase, InitPlan plan, string status)
    {
        if (hooks is not { Count: > 0 })
        {
            return;
        }

        var state = StateJson(plan, status);
        for (var i = 0; i < hooks.Count; i++)
        {
            RunOne(hooks[i], $"hooks.{phase}[{i}]", state);
        }
    }

    private static void RunOne(Hook hook, string jsonPath, byte[] state)
    {
        var path = hook.Path ?? throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{jsonPath}.path: required");
        var pipe = stackalloc int[2];
        Sys.Check(Libc.pipe2(pipe, O_CLOEXEC), "pipe");
        int pid;
        try
        {
            pid = ProcessSpawner.Spawn(path, hook.Args is { Count: > 0 } args ? args : [path], hook.Env ?? [], [pipe[0], 2, 2]);
        }
        catch (RuntimeException e)
        {
            Libc.close(pipe[0]);
            Libc.close(pipe[1]);
            throw new RuntimeException(RuntimeErrorKind.HookFailed, $"{jsonPath}: {e.Message}", e);
        }
        Libc.close(pipe[0]);
        fixed (byte* p = state)
        {
            // A hook that exits without reading its stdin is fine (EPIPE is ignored in .NET processes).
            Libc.write(pipe[1], p, state.Length);
        }
        Libc.close(pipe[1]);

        if (hook.Timeout is > 0 && !ExitsWithin(pid, hook.Timeout.Value * 1000))
        {
            Libc.kill(pid, SIGKILL);
            ProcessSpawner.Wait(pid);
            throw new RuntimeException(RuntimeErrorKind.HookFailed, $"{jsonPath}: {path} timed out after {hook.Timeout} s");
        }
        var code = ProcessSpawner.Wait(pid);
        if (code != 0)
        {
            throw new RuntimeException(RuntimeErrorKind.HookFailed, $"{jsonPath}: {path} failed with exit status {code}");
        }
    }

    private static bool ExitsWithin(int pid, int milliseconds)
    {
        var pidfd = Sys.Check(Libc.PidfdOpen(pid), "pidfd_open");
        try
        {
            var poll = new Libc.PollFd { Fd = pidfd, Events = POLLIN };
            int ready;
            while ((ready = Libc.poll(&poll, 1, milliseconds)) < 0 && Libc.Errno == EINTR)
            {
            }
            return ready > 0;
        }
        finally
        {
            Libc.close(pidfd);
        }
    }

    /// <summary>The state (runtime.md) as hooks read it; the pid is the container process's in its own namespace.</summary>
    private static byte[] StateJson(InitPlan plan, string status)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("ociVersion", plan.Spec.OciVersion);
            json.WriteString("id", plan.Id);
            json.WriteString("status", status);
            json.WriteNumber("pid", Libc.getpid());
            json.WriteString("bundle", plan.Bundle);
            if (plan.Spec.Annotations is { Count: > 0 } annotations)
            {
                json.WriteStartObject("annotations");
                foreach (var (key, value) in annotations)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return stream.ToArray();
    }
}
