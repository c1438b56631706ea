using System.Net;
using System.Net.Sockets;
using Platform.NodeAgent.Instances;
using Platform.Runtime;

namespace Platform.NodeAgent.Networking;

/// <summary>
/// Opens a stream to an instance on this node: for a container, a socket made inside its network namespace,
/// connected to its 127.0.0.1:PORT; for a microVM, a vsock stream the guest agent relays to the guest's
/// 127.0.0.1:PORT (the VM has no network device). Nothing of an instance is exposed on the host. The node
/// agent's endpoint forwards invocations over it, and the readiness probe checks through it.
/// </summary>
internal sealed class LocalInstanceConnector(LocalInstances instances, NetnsSocketFactory sockets, IContainerRuntime runtime)
{
    public async ValueTask<Stream> ConnectAsync(Guid instanceId, CancellationToken cancellationToken)
    {
        if (!instances.TryGet(instanceId, out var instance) || !instance.Created)
        {
            throw new IOException($"instance {instanceId} does not run on this node");
        }

        if (instance.IsMicroVm)
        {
            try
            {
                return await runtime.ConnectAsync(instance.ContainerId, (uint)instance.Port, cancellationToken);
            }
            catch (RuntimeException e) when (e.Kind is RuntimeErrorKind.ContainerNotFound or RuntimeErrorKind.AlreadyStopped or RuntimeErrorKind.HostFailure)
            {
                // The forwarder and the readiness probe treat an IOException as "not reachable (yet)".
                throw new IOException(e.Message, e);
            }
        }

        if (instance.Netns is not { } netns)
        {
            throw new IOException($"instance {instanceId} does not run on this node");
        }

        var socket = await sockets.CreateTcpSocketAsync(netns, cancellationToken);
        try
        {
            socket.NoDelay = true;
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, instance.Port), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
