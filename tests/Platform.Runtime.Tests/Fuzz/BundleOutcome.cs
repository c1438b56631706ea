using Platform.Runtime.Bundles;

namespace Platform.Runtime.Tests.Fuzz;

/// <summary>
/// What any input may do to the bundle reader: succeed, or throw <see cref="BundleException"/>; within a deadline,
/// with nothing written outside the target, and (for the store) with nothing left behind when it refuses.
/// </summary>
internal static class BundleOutcome
{
    /// <summary>Small caps, so bombs and entry floods hit them in milliseconds.</summary>
    public static readonly BundleLimits Limits = new()
    {
        MaxCompressedBytes = 1024 * 1024,
        MaxUncompressedBytes = 1024 * 1024,
        MaxEntries = 200,
    };

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>Unpacks <paramref name="archive"/> into a fresh sandbox; returns the refusal, or null when it unpacked.</summary>
    public static BundleException? Extract(Sandbox sandbox, byte[] archive)
    {
        string target = sandbox.NewTarget();
        BundleException? refused = Bounded(() => BundleExtractor.ExtractAsync(new MemoryStream(archive), target, Limits, CancellationToken.None));
        sandbox.AssertNothingEscapedAndClean(target);
        return refused;
    }

    /// <summary>Adds <paramref name="archive"/> to a fresh store; returns the refusal, or null when it was stored.</summary>
    public static BundleException? Store(Sandbox sandbox, byte[] archive)
    {
        string target = sandbox.NewTarget();
        var store = new BundleStore(target, Limits);
        StoredBundle? stored = null;
        BundleException? refused = Bounded(async () => stored = await store.AddAsync(new MemoryStream(archive), null, CancellationToken.None));
        // The store's promise: a digest's directory is complete or absent, and a refused upload adds nothing.
        Assert.Empty(Directory.GetFileSystemEntries(Path.Join(target, "tmp")));
        string[] bundles = Directory.GetFileSystemEntries(Path.Join(target, "bundles", "sha256"));
        string[] blobs = Directory.GetFileSystemEntries(Path.Join(target, "blobs", "sha256"));
        if (refused is null)
        {
            Assert.Equal([stored!.BundlePath], bundles);
            Assert.Equal([stored.BlobPath], blobs);
            BundleConfig.Load(stored.BundlePath);
        }
        else
        {
            Assert.Empty(bundles);
            Assert.Empty(blobs);
        }
        sandbox.AssertNothingEscapedAndClean(target);
        return refused;
    }

    /// <summary>
    /// Runs the async reader on the thread pool and waits with a deadline: a hang fails the case instead of the run.
    /// (FsCheck properties are synchronous; blocking here is the test harness, not product code.)
    /// </summary>
    private static BundleException? Bounded(Func<Task> action)
    {
        Task run = Task.Run(action);
        try
        {
            if (!run.Wait(Deadline))
            {
                Assert.Fail($"the bundle reader did not finish within {Deadline.TotalSeconds} s");
            }
            return null;
        }
        catch (AggregateException e) when (e.InnerException is BundleException refused)
        {
            Assert.False(string.IsNullOrWhiteSpace(refused.Message));
            return refused;
        }
        catch (AggregateException e)
        {
            Assert.Fail($"expected success or a BundleException, got {e.InnerException}");
            throw;
        }
    }
}
