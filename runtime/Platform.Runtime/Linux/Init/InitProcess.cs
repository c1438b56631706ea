using System.Text;
using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Seccomp;
using Platform.Runtime.Spec;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Linux.Init;

/// <summary>
/// The container init after the native stage: builds the container from the plan, then execs the user's
/// process. Until it reports Ready every failure goes to the host (create fails with it); after start, to
/// the container's stderr. The order follows runc's standard init: seccomp before dropping capabilities
/// when it cannot rely on no_new_privs, otherwise as late as possible.
/// </summary>
internal sealed unsafe class InitProcess(InitChannel channel, IInitSyscalls sys)
{
    public int Run()
    {
        InitPlan plan;
        SeccompProgram? seccomp;
        string executable;
        try
        {
            plan = ReadPlan();
            executable = Prepare(plan, out seccomp);
        }
        catch (Exception e)
        {
            TryReport(e);
            return 1;
        }

        var process = plan.Spec.Process!;
        try
        {
            channel.Send(SyncMessageType.Ready);
            sys.WaitForStart();
            if (seccomp is not null && process.NoNewPrivileges)
            {
                sys.InstallSeccomp(seccomp);
            }

            InitHooks.Run(plan.Spec.Hooks?.StartContainer, "startContainer", plan, "created");
        }
        catch (Exception e)
        {
            WriteStderr($"platform-runtime init: {e.Message}");
            return 1;
        }
        var errno = sys.Exec(executable, process.Args!, process.Env ?? []);
        WriteStderr($"platform-runtime init: exec {executable}: {Libc.ErrorText(errno).ToLowerInvariant()}");
        return 127;
    }

    private InitPlan ReadPlan()
    {
        // Already not dumpable: the C stage made it so right after the fork.
        var (type, payload) = channel.Receive();
        if (type != SyncMessageType.Plan)
        {
            throw new RuntimeException(RuntimeErrorKind.Internal, $"init: expected the plan, got {type} (was the native stage linked into {Environment.ProcessPath}?)");
        }

        return InitPlanCodec.Decode(payload);
    }

    /// <summary>Everything before the exec.fifo wait; returns the resolved executable.</summary>
    internal string Prepare(InitPlan plan, out SeccompProgram? seccomp)
    {
        var spec = plan.Spec;
        var process = spec.Process ?? throw new RuntimeException(RuntimeErrorKind.InvalidConfig, "process: required");
        if (process.Args is not { Count: > 0 })
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidConfig, "process.args: must not be empty");
        }

        var namespaces = NamespaceSet.From(spec);
        // The plan arrives only after the host attached the cgroup: now the namespace's root is the container's cgroup.
        if (namespaces.Creates(CLONE_NEWCGROUP))
        {
            Sys.Check(sys.Unshare((int)CLONE_NEWCGROUP), "unshare the cgroup namespace");
        }

        seccomp = plan.Seccomp;

        var rootfs = new RootfsSetup(plan, namespaces, sys);
        rootfs.Enter(() => InitHooks.Run(spec.Hooks?.CreateContainer, "createContainer", plan, "creating"));
        if (process.Terminal)
        {
            sys.SetUpTerminal(process.ConsoleSize);
        }
        // Before read-only paths: /proc/sys usually is one.
        foreach (var (key, value) in spec.Linux?.Sysctl ?? [])
        {
            WriteSysctl(key, value);
        }

        rootfs.Finish();

        if (namespaces.Creates(CLONE_NEWUTS))
        {
            if (spec.Hostname is { } hostname)
            {
                Sys.Check(sys.SetHostname(hostname), $"set the hostname \"{hostname}\"");
            }

            if (spec.Domainname is { } domainname)
            {
                Sys.Check(sys.SetDomainname(domainname), $"set the domainname \"{domainname}\"");
            }
        }
        if (namespaces.Creates(CLONE_NEWNET))
        {
            sys.BringUpLoopback();
        }

        new ProcessLimits(sys).Apply(process);
        var cwd = string.IsNullOrEmpty(process.Cwd) ? "/" : process.Cwd;
        Sys.Check(sys.Chdir(cwd), $"process.cwd: chdir {cwd}");

        if (process.NoNewPrivileges)
        {
            Sys.Check(sys.Prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)");
        }
        // Without no_new_privs installing a filter needs CAP_SYS_ADMIN, which the process may be about to lose.
        if (seccomp is not null && !process.NoNewPrivileges)
        {
            sys.InstallSeccomp(seccomp);
        }
        // Before the capabilities go: the real-time I/O class needs CAP_SYS_ADMIN or CAP_SYS_NICE.
        new ExecAttributes(sys).Apply(spec);
        new Credentials(sys).Apply(process);
        sys.Umask(process.User?.Umask ?? 0x12);
        return Executable.Find(sys, process.Args[0], process.Env ?? []);
    }

    /// <summary>
    /// Blocks until `start` opens exec.fifo for reading (the host passed it O_PATH as fd 4). A microVM's VMM
    /// process waits the same way (<see cref="VmBackend.VmmProcess"/>).
    /// </summary>
    internal static void WaitForStart()
    {
        var path = $"/proc/self/fd/{InitFds.ExecFifo}";
        int fd;
        while ((fd = Libc.open(path, O_WRONLY | O_CLOEXEC, 0)) < 0 && Libc.Errno == EINTR)
        {
        }
        if (fd < 0)
        {
            throw Sys.Error($"open exec.fifo through {path} (is /proc mounted in the container?)");
        }

        var zero = (byte)'0';
        // A start that gave up after opening the fifo must not leave a "created" container running.
        if (Libc.write(fd, &zero, 1) != 1)
        {
            var error = Sys.Error("write exec.fifo");
            Libc.close(fd);
            throw error;
        }
        Libc.close(fd);
        Libc.close(InitFds.ExecFifo);
    }

    private void WriteSysctl(string key, string value)
    {
        var path = "/proc/sys/" + key.Replace('.', '/');
        try
        {
            sys.WriteFile(path, value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuntimeException(RuntimeException.KindOf(e), $"linux.sysctl.{key}: write {path}: {e.Message}", e);
        }
    }

    private void TryReport(Exception e)
    {
        try
        {
            channel.Send(SyncMessageType.Error, e is RuntimeException ? ErrorReport.Encode(e) : ErrorReport.Encode(RuntimeErrorKind.Internal, $"init: {e}"));
        }
        catch (RuntimeException)
        {
            WriteStderr($"platform-runtime init: {e.Message}");
        }
    }

    private static void WriteStderr(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text + "\n");
        fixed (byte* p = bytes)
        {
            Libc.write(2, p, bytes.Length);
        }
    }
}
