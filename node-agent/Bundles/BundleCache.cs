using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Runtime.Bundles;

namespace Platform.NodeAgent.Bundles;

/// <summary>
/// This node's bundles, by digest: fetched from the api once, verified against the digest, unpacked with the
/// same safe extractor the api uses, and shared read-only by every instance of that digest.
/// </summary>
internal sealed partial class BundleCache(
    IHttpClientFactory httpClients,
    ApiEndpoint api,
    IOptions<NodeAgentOptions> options,
    ILogger<BundleCache> logger)
{

    private readonly BundleStore _store = new(Path.Combine(NodeDirectories.Root(options.Value), "store"), BundleLimits.Default);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _fetching = new();

    /// <summary>The unpacked bundle directory (config.json and the root filesystem) of <paramref name="digest"/>.</summary>
    public async Task<string> GetAsync(string digest, CancellationToken cancellationToken)
    {
        if (!BundleStore.TryParseDigest(digest, out var hex))
        {
            throw new ArgumentException($"'{digest}' is not a sha256 digest", nameof(digest));
        }

        if (_store.FindBundle(digest) is { } cached)
        {
            return cached;
        }

        var gate = _fetching.GetOrAdd(hex, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (_store.FindBundle(digest) is { } fetched)
            {
                return fetched;
            }

            var url = new Uri(api.GetBaseUrl(), $"v1/internal/bundles/{Uri.EscapeDataString("sha256:" + hex)}");
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.GetNodeToken());
            using var response = await httpClients.CreateClient(ApiEndpoint.HttpClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"fetching bundle {digest} from {url} answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var stored = await _store.AddAsync(body, "sha256:" + hex, cancellationToken);
            // The node runs from the unpacked tree; the tar itself is the api's to keep.
            File.Delete(stored.BlobPath);
            LogFetched(logger, digest, stored.SizeBytes);
            return stored.BundlePath;
        }
        finally
        {
            gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetched bundle {Digest} ({Size} bytes)")]
    private static partial void LogFetched(ILogger logger, string digest, long size);
}
