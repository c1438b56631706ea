namespace Platform.Contracts;

/// <summary>
/// Opens a stream to an instance's HTTP port, whatever sandbox runs it (a socket dialled inside its network
/// namespace, a vsock, or the node agent's HTTP endpoint on another host). The gateway forwards over it.
/// </summary>
public interface IInstanceConnector
{
    ValueTask<Stream> ConnectAsync(Guid instanceId, CancellationToken cancellationToken);
}
