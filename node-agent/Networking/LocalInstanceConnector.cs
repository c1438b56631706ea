using System.Net;
using System.Net.Sockets;
using Platform.NodeAgent.Instances;

namespace Platform.NodeAgent.Networking;

/// <summary>
/// Opens a stream to an instance on this node: a socket made inside its network namespace, connected to its
/// 127.0.0.1:PORT. The instance's loopback is only reachable this way; nothing is exposed on the host. The node
/// agent's endpoint forwards invocations over it, and the readiness probe checks through it.
/// </summary>
internal sealed class LocalInstanceConnector(LocalInstances instances, NetnsSocketFactory sockets)
{
    public async ValueTask<Stream> ConnectAsync(Guid instanceId, CancellationToken cancellationToken)
    {
        if (!instances.TryGet(instanceId, out var instance) || instance.Netns is not { } netns)
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
