using System.Net.Sockets;
using System.Text;

namespace Platform.Runtime.Vmm.Devices.Virtio.Vsock;

/// <summary>
/// The host's way into a VM's vsock device: <see cref="ConnectAsync"/> opens a stream to a guest port through the
/// VM's unix socket (the <c>CONNECT</c>/<c>OK</c> handshake), as the node agent does to forward HTTP.
/// </summary>
public sealed class VsockEndpoint(string udsPath)
{
    public string UdsPath { get; } = udsPath;

    /// <summary>
    /// A connected stream to <paramref name="port"/> in the guest. Throws <see cref="VmmException"/> with
    /// <see cref="VmmError.VsockUnreachable"/> when the VM's socket is not there, <see cref="VmmError.VsockRefused"/>
    /// when the guest did not accept (nothing listens yet: worth retrying while the guest starts).
    /// </summary>
    public async Task<Stream> ConnectAsync(uint port, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(UdsPath), cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new VmmException(VmmError.VsockUnreachable, $"the VM's vsock socket {UdsPath} cannot be reached: {e.Message}", e.ErrorCode);
            }
            await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT {port}\n"), cancellationToken).ConfigureAwait(false);
            if (!IsOkLine(await ReadLineAsync(socket, cancellationToken).ConfigureAwait(false)))
            {
                throw new VmmException(VmmError.VsockRefused, $"the guest did not accept a connection to vsock port {port}");
            }
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new VmmException(VmmError.VsockRefused, $"the connection to vsock port {port} failed: {e.Message}", e.ErrorCode);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads the answer a byte at a time: the guest's first bytes follow it on the same stream.</summary>
    private static async Task<byte[]?> ReadLineAsync(Socket socket, CancellationToken cancellationToken)
    {
        byte[] line = new byte[VsockLimits.ConnectLineMax];
        for (int length = 0; length < line.Length; length++)
        {
            if (await socket.ReceiveAsync(line.AsMemory(length, 1), cancellationToken).ConfigureAwait(false) == 0)
            {
                return null;
            }
            if (line[length] == (byte)'\n')
            {
                return line[..length];
            }
        }
        return null;
    }

    private static bool IsOkLine(byte[]? line) =>
        line is { Length: > 3 } && line.AsSpan().StartsWith("OK "u8) && line.AsSpan(3).IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0;
}
