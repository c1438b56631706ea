using System.Text;
using Microsoft.Win32.SafeHandles;
using Platform.Runtime.Linux;
using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Tests.Linux;

/// <summary>
/// One container launched straight through <see cref="LinuxLauncher"/> (the lifecycle is H1a's): bundle and
/// state dir in a temp dir, stdout+stderr into a pipe, start by opening exec.fifo. Disposing kills whatever
/// is left and removes the directories.
/// </summary>
internal sealed class TestContainer : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _dir;
    private SafeFileHandle? _outputRead;

    private TestContainer(string dir) => _dir = dir;

    public int Pid { get; private set; }
    public int? NamespacesCreatedPid { get; private set; }
    public string StateDir => Path.Combine(_dir, "state");
    public string BundleDir => Path.Combine(_dir, "bundle");

    /// <param name="onSpawned">Runs while the init starts, with the state dir (where its exec.fifo is).</param>
    public static async Task<TestContainer> CreateAsync(ContainerHost host, RuntimeSpec spec, Func<int, Task>? onNamespacesCreated = null,
        string? consoleSocket = null, Action<string>? onSpawned = null)
    {
        var container = new TestContainer(TempDirectory.Create("platform-ctr-"));
        try
        {
            await container.LaunchAsync(host, spec, onNamespacesCreated, consoleSocket, onSpawned);
            return container;
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
    }

    private async Task LaunchAsync(ContainerHost host, RuntimeSpec spec, Func<int, Task>? onNamespacesCreated, string? consoleSocket, Action<string>? onSpawned)
    {
        Directory.CreateDirectory(StateDir);
        Directory.CreateDirectory(BundleDir);
        var fifo = Path.Combine(StateDir, Platform.Runtime.State.StateStore.ExecFifoName);
        if (Mkfifo(fifo, 0x192) != 0)
        {
            throw new InvalidOperationException("mkfifo failed");
        }
        // 0622 whatever the umask: a container user other than root opens it for writing.
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(fifo, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite);
        }

        var (read, write) = Pipe();
        _outputRead = read;
        using (write)
        {
            var launcher = new LinuxLauncher(host.InitBinary!);
            var launched = await launcher.LaunchAsync(new LaunchRequest
            {
                Id = Path.GetFileName(_dir),
                Spec = spec,
                BundlePath = BundleDir,
                RootfsPath = spec.Root!.Path!,
                StateDir = StateDir,
                Stdout = write,
                Stderr = write,
                ConsoleSocket = consoleSocket,
                OnSpawned = onSpawned is null ? null : () => onSpawned(StateDir),
                OnNamespacesCreated = async (pid, _) =>
                {
                    NamespacesCreatedPid = pid;
                    if (onNamespacesCreated is not null)
                    {
                        await onNamespacesCreated(pid);
                    }
                },
            }, CancellationToken.None);
            Pid = launched.Pid;
        }
    }

    /// <summary>Starts the process (what `start` does: open exec.fifo for reading) and returns all it writes.</summary>
    public async Task<string> RunAsync()
    {
        await StartAsync();
        return await ReadOutputAsync();
    }

    public async Task StartAsync()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var fifo = new FileStream(Path.Combine(StateDir, Platform.Runtime.State.StateStore.ExecFifoName), FileMode.Open, FileAccess.Read);
        var buffer = new byte[1];
        await fifo.ReadExactlyAsync(buffer, cts.Token);
    }

    public async Task<string> ReadOutputAsync()
    {
        using var cts = new CancellationTokenSource(Deadline);
        await using var stream = new FileStream(_outputRead!, FileAccess.Read);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync(cts.Token);
    }

    /// <summary>
    /// Whether the container process still exists. Once a ContainerRuntime in this test process has created a
    /// container, the process is a child subreaper: an exited container init is then our zombie, so reap it
    /// (waitpid on someone else's child just fails with ECHILD).
    /// </summary>
    public static unsafe bool Exists(int pid)
    {
        int status;
        Libc.waitpid(pid, &status, LinuxConstants.WNOHANG);
        return Directory.Exists($"/proc/{pid}");
    }

    public static async Task<bool> GoneWithinDeadlineAsync(int pid)
    {
        var until = DateTime.UtcNow + Deadline;
        while (Exists(pid))
        {
            if (DateTime.UtcNow > until)
            {
                return false;
            }

            await Task.Delay(20);
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (Pid > 0 && Exists(Pid))
        {
            Libc.kill(Pid, LinuxConstants.SIGKILL);
            await GoneWithinDeadlineAsync(Pid);
        }
        _outputRead?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static unsafe (SafeFileHandle Read, SafeFileHandle Write) Pipe()
    {
        var fds = stackalloc int[2];
        if (Libc.pipe2(fds, LinuxConstants.O_CLOEXEC) != 0)
        {
            throw new InvalidOperationException("pipe2 failed");
        }

        return (new SafeFileHandle(fds[0], true), new SafeFileHandle(fds[1], true));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int Mkfifo([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, uint mode);
}
