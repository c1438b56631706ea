using System.Runtime.InteropServices;
using Platform.Runtime.Seccomp;
using Platform.Runtime.Spec;
using SeccompSpec = Platform.Runtime.Spec.Seccomp;

namespace Platform.Runtime.Tests.Seccomp;

/// <summary>Filters installed for real, in a throwaway process or on a throwaway thread.</summary>
public sealed partial class SeccompFilterInstallTests(SeccompExecHelper helper) : IClassFixture<SeccompExecHelper>
{
    private const string Busybox = "/bin/busybox";

    private void SkipIfUnavailable()
    {
        if (helper.SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }
        if (!File.Exists(Busybox))
        {
            Assert.Skip("busybox-static is not installed");
        }
    }

    [Fact]
    public async Task Rule_returning_EPERM_makes_mkdir_fail_while_other_syscalls_work()
    {
        SkipIfUnavailable();
        var program = SeccompCompiler.Compile(new SeccompSpec
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
            Syscalls = [new SyscallRule { Names = ["mkdir", "mkdirat"], Action = "SCMP_ACT_ERRNO" }],
        });
        string dir = Path.Combine(helper.WorkDir, "blocked-" + Guid.NewGuid().ToString("n"));
        string file = Path.Combine(helper.WorkDir, "allowed-" + Guid.NewGuid().ToString("n"));

        var mkdir = await helper.RunAsync(program, Busybox, "mkdir", dir);
        var touch = await helper.RunAsync(program, Busybox, "touch", file);
        var status = await helper.RunAsync(program, Busybox, "grep", "^Seccomp:", "/proc/self/status");

        Assert.NotEqual(0, mkdir.ExitCode);
        Assert.Contains("Operation not permitted", mkdir.Stderr);
        Assert.False(Directory.Exists(dir));
        Assert.Equal(0, touch.ExitCode);
        Assert.True(File.Exists(file));
        Assert.Equal("Seccomp:\t2", status.Stdout.Trim());
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Argument_condition_blocks_only_the_matching_calls()
    {
        SkipIfUnavailable();
        // Refuse making anything world-writable: the mode is argument 1 of chmod, 2 of fchmodat(2).
        static SyscallRule WorldWritable(string name, uint index) => new()
        {
            Names = [name], Action = "SCMP_ACT_ERRNO",
            Args = [new SyscallArg { Index = index, Op = "SCMP_CMP_MASKED_EQ", Value = 0b010, ValueTwo = 0b010 }],
        };
        var program = SeccompCompiler.Compile(new SeccompSpec
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Syscalls = [WorldWritable("chmod", 1), WorldWritable("fchmodat", 2), WorldWritable("fchmodat2", 2)],
        });
        string file = Path.Combine(helper.WorkDir, "mode-" + Guid.NewGuid().ToString("n"));
        await File.WriteAllTextAsync(file, "x", TestContext.Current.CancellationToken);

        var open = await helper.RunAsync(program, Busybox, "chmod", "777", file);
        var closed = await helper.RunAsync(program, Busybox, "chmod", "750", file);

        Assert.NotEqual(0, open.ExitCode);
        Assert.Contains("Operation not permitted", open.Stderr);
        Assert.Equal(0, closed.ExitCode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute, File.GetUnixFileMode(file));
    }

    [Fact]
    public async Task Kill_process_action_kills_with_SIGSYS()
    {
        SkipIfUnavailable();
        var program = SeccompCompiler.Compile(new SeccompSpec
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Syscalls = [new SyscallRule { Names = ["uname"], Action = "SCMP_ACT_KILL_PROCESS" }],
        });

        var result = await helper.RunAsync(program, Busybox, "uname", "-a");

        Assert.Equal(128 + 31, result.ExitCode);
    }

    [Fact]
    public void Install_applies_the_filter_to_the_calling_thread()
    {
        const int ENOTSUP = 95, EINVAL = 22;
        var program = SeccompCompiler.Compile(new SeccompSpec
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Syscalls = [new SyscallRule { Names = ["sethostname"], Action = "SCMP_ACT_ERRNO", ErrnoRet = ENOTSUP }],
        });
        // An over-long name: without the filter the kernel refuses it with EINVAL, so nothing changes either way.
        var name = new byte[300];
        int filteredErrno = 0, filteredListener = 0;
        string status = "";
        Exception? failure = null;

        // The filter stays with this thread and dies with it; the thread only makes direct calls.
        var thread = new Thread(() =>
        {
            try
            {
                filteredListener = program.Install();
                filteredErrno = SetHostname(name, name.Length) == 0 ? 0 : Marshal.GetLastPInvokeError();
                status = File.ReadAllText("/proc/thread-self/status");
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();

        Assert.Null(failure);
        Assert.Equal(-1, filteredListener);
        Assert.Equal(ENOTSUP, filteredErrno);
        Assert.Contains("Seccomp:\t2", status);
        Assert.Equal(-1, SetHostname(name, name.Length));
        Assert.Equal(EINVAL, Marshal.GetLastPInvokeError());
    }

    [LibraryImport("libc", EntryPoint = "sethostname", SetLastError = true)]
    private static partial int SetHostname(byte[] name, nint length);
}
