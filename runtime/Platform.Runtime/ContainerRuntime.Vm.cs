using Platform.Runtime.Validation;
using Platform.Runtime.VmBackend;
using Platform.Runtime.Vmm;
using Platform.Runtime.Vmm.Devices.Virtio.Vsock;

namespace Platform.Runtime;

public sealed partial class ContainerRuntime
{
    /// <summary>
    /// A stream to <paramref name="port"/> inside a microVM container: through the VM's vsock unix socket
    /// (`CONNECT port`, answered `OK n`) to the guest agent, which relays it to the function's 127.0.0.1:port.
    /// </summary>
    public async Task<Stream> ConnectAsync(string id, uint port, CancellationToken cancellationToken = default)
    {
        ContainerId.Validate(id);
        try
        {
            return await new VsockEndpoint(Path.Combine(_store.DirectoryOf(id), VmLauncher.VsockFile)).ConnectAsync(port, cancellationToken);
        }
        catch (VmmException e)
        {
            var kind = !_store.Exists(id) ? RuntimeErrorKind.ContainerNotFound
                : e.Error == VmmError.VsockUnreachable ? RuntimeErrorKind.AlreadyStopped
                : RuntimeException.KindOf(e);
            throw new RuntimeException(kind, $"container \"{id}\": {e.Message}", e);
        }
    }

    /// <summary>
    /// Writes the read-only ext4 root disk of a root filesystem tree to <paramref name="image"/>, for a caller that
    /// keeps its own images (a node agent, once per bundle digest) and names them in `vm.image` (format raw), so
    /// that creating a microVM container neither hashes nor copies the tree.
    /// </summary>
    public static void BuildRootDisk(string rootfs, string image)
    {
        try
        {
            RootDisk.Build(rootfs, image, RootDisk.Digest(rootfs));
        }
        catch (IOException e)
        {
            throw new RuntimeException(RuntimeException.KindOf(e), $"building the root disk of {rootfs}: {e.Message}", e);
        }
    }

    /// <summary>Removes cached root disks no container of this root uses any more.</summary>
    private void PruneRootDisks()
    {
        if (!Directory.Exists(_rootDisks.CacheDir))
        {
            return;
        }

        var inUse = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in _store.ListIds())
        {
            var disk = Path.Combine(_store.DirectoryOf(id), VmLauncher.DiskFile);
            if (File.Exists(disk))
            {
                inUse.Add(File.ReadAllText(disk).Trim());
            }
        }
        _rootDisks.Prune(inUse);
    }
}
