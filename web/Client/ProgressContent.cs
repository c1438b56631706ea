using System.Buffers;
using System.Net;

namespace Platform.Web.Client;

/// <summary>A body streamed from <paramref name="source"/> that reports the bytes handed to the connection so far: an upload's progress.</summary>
internal sealed class ProgressContent(Stream source, IProgress<long>? progress) : HttpContent
{
    private const int ChunkBytes = 64 * 1024;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            long sent = 0;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, ChunkBytes), cancellationToken)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                sent += read;
                progress?.Report(sent);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Unknown: the source need not be seekable, so the body goes chunked.</summary>
    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
