using System.Text.Json;
using Platform.Runtime.Syscalls;

namespace Platform.Runtime.State;

/// <summary>
/// The state directory: one folder per container under the root, holding state.json (replaced atomically),
/// exec.fifo while the container waits for start, and serving as the per-container lock (flock on the folder).
/// </summary>
internal sealed class StateStore(string root, ISyscalls syscalls)
{
    public const string StateFileName = "state.json";
    public const string ExecFifoName = "exec.fifo";

    public string Root { get; } = root;

    public string DirectoryOf(string id) => Path.Combine(Root, id);

    public string ExecFifoOf(string id) => Path.Combine(Root, id, ExecFifoName);

    public bool Exists(string id) => Directory.Exists(DirectoryOf(id));

    /// <summary>
    /// Prefix of folders being built by <see cref="TryCreate"/>. Container IDs cannot contain '~', so no container
    /// is ever named like this, and list/status never see one.
    /// </summary>
    public const string StagingPrefix = ".~";

    private static readonly TimeSpan StagingGrace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Creates the container's folder and returns its lock, already held; null when the ID is taken. The folder is
    /// built and locked under a staging name, then renamed into place without replacing anything (the atomic
    /// uniqueness check), so no other process ever sees &lt;root&gt;/&lt;id&gt; unlocked before its creator holds it.
    /// </summary>
    public IDisposable? TryCreate(string id)
    {
        Directory.CreateDirectory(Root);
        RemoveStaleStaging();
        // Uniqueness, not secrecy (RENAME_NOREPLACE decides who wins): Random.Shared, because RandomNumberGenerator
        // loads OpenSSL, which cost every `create` several milliseconds.
        var staging = Path.Combine(Root, $"{StagingPrefix}{Environment.ProcessId}.{Random.Shared.NextInt64():x16}");
        if (!syscalls.TryCreateDirectory(staging, 0b111_000_000))
        {
            throw new IOException($"mkdir {staging}: already exists");
        }

        IDisposable? held = null;
        var renamed = false;
        try
        {
            held = syscalls.LockDirectory(staging);
            renamed = syscalls.TryRenameNoReplace(staging, DirectoryOf(id));
            return renamed ? held : null;
        }
        finally
        {
            if (!renamed)
            {
                try
                {
                    Directory.Delete(staging, recursive: true);
                }
                catch (DirectoryNotFoundException)
                {
                    // A cleaner that took it for stale (a creator in another PID namespace looks dead) removed it.
                }
                held?.Dispose();
            }
        }
    }

    /// <summary>
    /// Removes staging folders whose creator died between mkdir and rename. One is stale only when no process has
    /// its creator's PID, nobody holds its lock (a live creator holds it from just after mkdir until the rename),
    /// and it is older than <see cref="StagingGrace"/>: a creator in another PID namespace (its PID invisible
    /// here) could otherwise lose its folder between its mkdir and its flock.
    /// </summary>
    public void RemoveStaleStaging()
    {
        if (!Directory.Exists(Root))
        {
            return;
        }

        foreach (var dir in Directory.EnumerateDirectories(Root, StagingPrefix + "*"))
        {
            var name = Path.GetFileName(dir);
            var pidText = name[StagingPrefix.Length..].Split('.')[0];
            if (int.TryParse(pidText, System.Globalization.CultureInfo.InvariantCulture, out var pid) && syscalls.ReadProcessStat(pid) is { HasExited: false })
            {
                continue;
            }

            if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) < StagingGrace)
            {
                continue;
            }

            using var held = syscalls.TryLockDirectory(dir);
            if (held is null)
            {
                continue;
            }

            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
                // Another cleaner got there first.
            }
        }
    }

    /// <summary>Serializes operations on one container across threads and CLI processes.</summary>
    public IDisposable Lock(string id)
    {
        try
        {
            return syscalls.LockDirectory(DirectoryOf(id));
        }
        catch (DirectoryNotFoundException)
        {
            throw NotFound(id);
        }
    }

    /// <summary>Reads state.json; null for a folder without one (a create that crashed before writing it).</summary>
    public StateFile? Read(string id)
    {
        var path = Path.Combine(DirectoryOf(id), StateFileName);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            if (!Exists(id))
            {
                throw NotFound(id);
            }

            return null;
        }
        try
        {
            return StateFileJson.Deserialize(bytes);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new RuntimeException(RuntimeErrorKind.Internal, $"container {id}: corrupt {path} ({e.Message}); `delete --force {id}` removes it", e);
        }
    }

    /// <summary>Writes state.json through a temporary file and rename, so readers never see half a file.</summary>
    public void Write(StateFile state)
    {
        var dir = DirectoryOf(state.Id);
        var temp = Path.Combine(dir, $".{StateFileName}.{Environment.ProcessId}.tmp");
        File.WriteAllBytes(temp, StateFileJson.Serialize(state));
        File.Move(temp, Path.Combine(dir, StateFileName), overwrite: true);
    }

    public void Remove(string id)
    {
        var dir = DirectoryOf(id);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public IEnumerable<string> ListIds() =>
        Directory.Exists(Root)
            ? Directory.EnumerateDirectories(Root).Select(Path.GetFileName).OfType<string>()
                .Where(name => !name.StartsWith(StagingPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            : [];

    /// <summary>
    /// The status runtime.md defines, from what is recorded and what the OS says now: the init process alive
    /// (same PID and start time, not a zombie) and still blocked on exec.fifo means created; alive without the
    /// fifo means running; anything else that got past create is stopped.
    /// </summary>
    public ContainerState Resolve(string id, StateFile? state)
    {
        if (state is null)
        {
            return new ContainerState { OciVersion = "", Id = id, Status = ContainerStatus.Creating, Bundle = "" };
        }

        var status = ContainerStatus.Stopped;
        if (state.Phase == StateFile.PhaseCreating)
        {
            status = ContainerStatus.Creating;
        }
        else if (IsAlive(state))
        {
            status = File.Exists(ExecFifoOf(id)) ? ContainerStatus.Created : ContainerStatus.Running;
        }

        return new ContainerState
        {
            OciVersion = state.OciVersion,
            Id = state.Id,
            Status = status,
            Pid = status == ContainerStatus.Stopped ? 0 : state.Pid,
            Bundle = state.Bundle,
            Rootfs = state.Rootfs,
            Annotations = state.Annotations,
            Created = state.Created,
        };
    }

    public bool IsAlive(StateFile state) =>
        state.Pid > 0 && syscalls.ReadProcessStat(state.Pid) is { HasExited: false } stat && stat.StartTime == state.PidStartTime;

    public static RuntimeException NotFound(string id) => new(RuntimeErrorKind.ContainerNotFound, $"container \"{id}\" does not exist");
}
