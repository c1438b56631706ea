using Platform.Api.Security;

namespace Platform.Api.Tests;

public sealed class ApiKeyCacheTests
{
    private static readonly byte[] Hash = ApiKeys.Hash("pk_test-key");

    [Fact]
    public void A_confirmed_key_is_kept_for_its_lifetime_only()
    {
        var time = new ManualTime();
        var cache = new ApiKeyCache(time);
        var key = new VerifiedKey(Guid.NewGuid(), "acme", ExpiresAt: null);
        Assert.Null(cache.Find(Hash));

        cache.Add(Hash, key, cache.Generation);
        time.Now += ApiKeyCache.Lifetime - TimeSpan.FromMilliseconds(1);
        Assert.Equal(key, cache.Find(Hash));
        time.Now += TimeSpan.FromMilliseconds(1);
        Assert.Null(cache.Find(Hash));
    }

    [Fact]
    public void Forgetting_a_key_id_drops_it_and_keeps_the_others()
    {
        var cache = new ApiKeyCache(new ManualTime());
        byte[] other = ApiKeys.Hash("pk_other-key");
        var revoked = new VerifiedKey(Guid.NewGuid(), "acme", null);
        var kept = new VerifiedKey(Guid.NewGuid(), "acme", null);
        cache.Add(Hash, revoked, cache.Generation);
        cache.Add(other, kept, cache.Generation);

        cache.Forget([revoked.Id]);

        Assert.Null(cache.Find(Hash));
        Assert.Equal(kept, cache.Find(other));
    }

    [Fact]
    public void A_confirmation_read_before_a_revocation_is_not_kept()
    {
        var cache = new ApiKeyCache(new ManualTime());
        var key = new VerifiedKey(Guid.NewGuid(), "acme", null);
        long before = cache.Generation;
        // The delete commits and is forgotten while the lookup that read the row is still on its way back.
        cache.Forget([key.Id]);
        cache.Add(Hash, key, before);

        Assert.Null(cache.Find(Hash));
        cache.Add(Hash, key, cache.Generation);
        Assert.Equal(key, cache.Find(Hash));
    }

    [Fact]
    public void A_deleted_tenant_takes_every_key_of_it_even_one_its_delete_did_not_list()
    {
        var cache = new ApiKeyCache(new ManualTime());
        byte[] other = ApiKeys.Hash("pk_other-key");
        var madeDuringDelete = new VerifiedKey(Guid.NewGuid(), "acme", null);
        var otherTenant = new VerifiedKey(Guid.NewGuid(), "globex", null);
        cache.Add(Hash, madeDuringDelete, cache.Generation);
        cache.Add(other, otherTenant, cache.Generation);

        cache.Forget([], tenant: "acme");

        Assert.Null(cache.Find(Hash));
        Assert.Equal(otherTenant, cache.Find(other));
    }

    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UnixEpoch;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
