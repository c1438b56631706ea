using System.Net;
using System.Net.Http.Json;
using Platform.Api.Tests.Infrastructure;

namespace Platform.Api.Tests;

/// <summary>Rate limits per key, body caps, key expiry and revocation taking effect at once.</summary>
public sealed class ApiProtectionTests
{
    [Fact]
    public async Task A_key_over_its_rate_gets_429_with_retry_after_and_other_keys_do_not()
    {
        await using var platform = new PlatformFactory(settings: new Dictionary<string, string?>
        {
            ["Platform:Limits:RequestsPerSecond"] = "1",
            ["Platform:Limits:Burst"] = "3",
        });
        await platform.CreateTenantAsync("acme");
        await platform.CreateTenantAsync("other");
        HttpClient acme = platform.WithKey(await platform.CreateKeyAsync("acme"));
        HttpClient other = platform.WithKey(await platform.CreateKeyAsync("other"));

        // The bucket holds 3 and refills 1 a second: of 6 quick requests at least 2 are refused.
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (int i = 0; i < 6; i++)
        {
            var response = await acme.GetAsync("/v1/tenants/acme/functions");
            statuses.Add(response.StatusCode);
            refused ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }
        Assert.Equal(HttpStatusCode.OK, statuses[0]);
        Assert.True(statuses.Count(s => s == HttpStatusCode.TooManyRequests) >= 2, string.Join(",", statuses));
        Assert.NotNull(refused);
        Assert.True(int.Parse(refused.Headers.RetryAfter!.ToString()) >= 1);
        await Expect.ProblemAsync(refused, HttpStatusCode.TooManyRequests);

        await Expect.JsonAsync(await other.GetAsync("/v1/tenants/other/functions"));
        for (int i = 0; i < 10; i++)
        {
            await Expect.JsonAsync(await platform.Admin().GetAsync("/v1/tenants"));
        }

        // Without a valid key the caller's address is the partition: guessing keys is slowed down too.
        HttpClient guesser = platform.WithKey("pk_guess");
        var guesses = new List<HttpStatusCode>();
        for (int i = 0; i < 6; i++)
        {
            guesses.Add((await guesser.GetAsync("/v1/tenants/acme/functions")).StatusCode);
        }
        Assert.Contains(HttpStatusCode.TooManyRequests, guesses);
    }

    [Fact]
    public async Task A_revoked_key_fails_at_once_and_an_expired_key_fails_with_the_reason()
    {
        await using var platform = new PlatformFactory();
        await platform.CreateTenantAsync("acme");
        HttpClient admin = platform.Admin();

        var created = await Expect.JsonAsync(await admin.PostAsJsonAsync("/v1/tenants/acme/keys", new { name = "ci" }), HttpStatusCode.Created);
        HttpClient revoked = platform.WithKey(created.GetProperty("key").GetString());
        await Expect.JsonAsync(await revoked.GetAsync("/v1/tenants/acme/functions"));
        await Expect.StatusAsync(await admin.DeleteAsync($"/v1/tenants/acme/keys/{created.GetProperty("id").GetString()}"), HttpStatusCode.NoContent);
        await Expect.ProblemAsync(await revoked.GetAsync("/v1/tenants/acme/functions"), HttpStatusCode.Unauthorized);

        await Expect.ProblemAsync(await admin.PostAsJsonAsync("/v1/tenants/acme/keys", new { name = "old", expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) }), HttpStatusCode.BadRequest);
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(2);
        var shortLived = await Expect.JsonAsync(await admin.PostAsJsonAsync("/v1/tenants/acme/keys", new { name = "short", expiresAt }), HttpStatusCode.Created);
        HttpClient expiring = platform.WithKey(shortLived.GetProperty("key").GetString());
        await Expect.JsonAsync(await expiring.GetAsync("/v1/tenants/acme/functions"));
        var listed = await Expect.JsonAsync(await admin.GetAsync("/v1/tenants/acme/keys"));
        Assert.Contains(listed.EnumerateArray(), k => k.GetProperty("name").GetString() == "short" && (k.GetProperty("expiresAt").GetDateTimeOffset() - expiresAt).Duration() < TimeSpan.FromMilliseconds(10));

        await Task.Delay(expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken);
        var problem = await Expect.ProblemAsync(await expiring.GetAsync("/v1/tenants/acme/functions"), HttpStatusCode.Unauthorized);
        Assert.Contains("expired", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_body_over_the_cap_is_a_413_problem_before_anything_reads_it()
    {
        await using var platform = new PlatformFactory(settings: new Dictionary<string, string?> { ["Platform:Limits:MaxBodyBytes"] = "65536" });
        await platform.CreateTenantAsync("acme");
        var env = Enumerable.Range(0, 100).ToDictionary(i => $"VAR{i}", _ => new string('x', 1000));
        var body = new ByteArrayContent(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { env }));
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var problem = await Expect.ProblemAsync(await platform.Admin().PutAsync("/v1/tenants/acme/functions/big", body), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("at most 65536", problem.GetProperty("detail").GetString());
        await Expect.ProblemAsync(await platform.Admin().GetAsync("/v1/tenants/acme/functions/big"), HttpStatusCode.NotFound);
    }
}
