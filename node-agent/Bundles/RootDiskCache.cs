using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Runtime;
using Platform.Runtime.Bundles;

namespace Platform.NodeAgent.Bundles;

/// <summary>
/// microVM root disks, one read-only ext4 image per bundle digest (<c>{node data}/store/disks/{hex}.ext4</c>),
/// built from the unpacked bundle on the first microVM start of that digest and shared by every VM of it, so a
/// cold start after the first neither hashes nor copies the tree. An image goes when the last function that
/// ran its digest here is deleted; images of a previous run are removed at start (rebuilt on demand), but those
/// of the microVMs the new run adopted.
/// </summary>
internal sealed partial class RootDiskCache(IOptions<NodeAgentOptions> options, ILogger<RootDiskCache> logger)
{
    private readonly string _directory = Path.Combine(NodeDirectories.Root(options.Value), "store", "disks");
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _building = new();
    private readonly object _usersLock = new();
    // digest hex → the functions that started a microVM of it on this node.
    private readonly Dictionary<string, HashSet<Guid>> _users = new(StringComparer.Ordinal);

    /// <summary>
    /// At start: removes the images of a previous run but those the microVMs it adopted boot from, which stay in
    /// use by their functions (<paramref name="adopted"/>: digest and function of each).
    /// </summary>
    public void Prune(IEnumerable<(string Digest, Guid FunctionId)> adopted)
    {
        var kept = new HashSet<string>(StringComparer.Ordinal);
        lock (_usersLock)
        {
            foreach (var (digest, functionId) in adopted)
            {
                if (BundleStore.TryParseDigest(digest, out var hex))
                {
                    kept.Add(hex + ".ext4");
                    AddUser(hex, functionId);
                }
            }
        }

        // Images and the temporary files of builds a dead run left half done (rebuilt on demand).
        foreach (var image in Directory.Exists(_directory) ? Directory.EnumerateFiles(_directory) : [])
        {
            if (!kept.Contains(Path.GetFileName(image)))
            {
                File.Delete(image);
            }
        }
    }

    /// <summary>The image of <paramref name="digest"/> for a VM of <paramref name="functionId"/>, built once.</summary>
    public async Task<string> GetAsync(string digest, Guid functionId, string bundle, CancellationToken cancellationToken)
    {
        if (!BundleStore.TryParseDigest(digest, out var hex))
        {
            throw new ArgumentException($"'{digest}' is not a sha256 digest", nameof(digest));
        }

        lock (_usersLock)
        {
            AddUser(hex, functionId);
        }

        var image = Path.Combine(_directory, hex + ".ext4");
        var gate = _building.GetOrAdd(hex, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (!File.Exists(image))
            {
                // Checked again (root.path a real directory inside the bundle), since it names what goes into the image.
                var rootfs = Path.Join(bundle, BundleConfig.Load(bundle).Root!.Path);
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                await Task.Run(() => ContainerRuntime.BuildRootDisk(rootfs, image), cancellationToken);
                LogBuilt(logger, digest, new FileInfo(image).Length, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        finally
        {
            gate.Release();
        }

        return image;
    }

    // Under _usersLock.
    private void AddUser(string hex, Guid functionId)
    {
        if (!_users.TryGetValue(hex, out var users))
        {
            _users[hex] = users = [];
        }

        users.Add(functionId);
    }

    /// <summary>
    /// The function was deleted: remove the images no other function here uses. A VM still stopping keeps its
    /// open image (the file's data lives until it closes it).
    /// </summary>
    public void Release(Guid functionId)
    {
        List<string> unused;
        lock (_usersLock)
        {
            unused = [];
            foreach (var (hex, users) in _users)
            {
                if (users.Remove(functionId) && users.Count == 0)
                {
                    unused.Add(hex);
                }
            }

            foreach (var hex in unused)
            {
                _users.Remove(hex);
            }
        }

        foreach (var hex in unused)
        {
            File.Delete(Path.Combine(_directory, hex + ".ext4"));
            LogRemoved(logger, hex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Built the root disk of {Digest} ({Bytes} bytes) in {Milliseconds:0} ms")]
    private static partial void LogBuilt(ILogger logger, string digest, long bytes, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed the root disk of sha256:{Hex}: no function here uses it")]
    private static partial void LogRemoved(ILogger logger, string hex);
}
