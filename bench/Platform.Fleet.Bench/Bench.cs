using System.Formats.Tar;
using System.Net.Http.Headers;
using System.Text;

namespace Platform.Fleet.Bench;

/// <summary>What both benchmarks share: percentiles, waiting with a deadline, answers that must succeed.</summary>
internal static class Bench
{
    public static double P(List<double> sorted, int percentile) =>
        sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static void Check(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {response.Content.ReadAsStringAsync().Result}");
        }
    }

    public static async Task UntilAsync(Func<Task<bool>> condition, string failure, Fleet fleet, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{failure}\n{fleet.LogTails}");
            }
            await Task.Delay(20, ct);
        }
    }

    public static ByteArrayContent Tar(byte[] bundle, string mediaType = "application/x-tar")
    {
        var content = new ByteArrayContent(bundle);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    /// <summary>A valid bundle nobody runs: simulated nodes never fetch it.</summary>
    public static byte[] MinimalBundle()
    {
        using var stream = new MemoryStream();
        using (var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            var config = """{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["/bin/true"], "cwd": "/"}}""";
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "config.json") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(config)) });
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "rootfs/"));
        }
        return stream.ToArray();
    }
}
