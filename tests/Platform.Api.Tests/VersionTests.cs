using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Platform.Api.Tests.Infrastructure;
using Platform.Contracts;

namespace Platform.Api.Tests;

public sealed class VersionTests
{
    [Fact]
    public async Task First_upload_is_version_1_active_with_its_digest_and_unpacked_in_the_store()
    {
        await using var platform = new PlatformFactory();
        var activated = await platform.RecordAsync<FunctionActivated>();
        await platform.CreateTenantAsync("acme");
        await platform.PutFunctionAsync("acme", "hello", new { memoryMiB = 64, env = new Dictionary<string, string> { ["A"] = "b" } });
        byte[] bundle = TestBundles.Valid();

        using HttpResponseMessage response = await platform.UploadAsync("acme", "hello", bundle);
        var version = await Expect.JsonAsync(response, HttpStatusCode.Created);
        string hex = Convert.ToHexStringLower(SHA256.HashData(bundle));
        Assert.Equal(1, version.GetProperty("version").GetInt32());
        Assert.Equal("sha256:" + hex, version.GetProperty("digest").GetString());
        Assert.Equal(bundle.Length, version.GetProperty("size").GetInt64());
        Assert.True(version.GetProperty("active").GetBoolean());
        Assert.Equal("/v1/tenants/acme/functions/hello/versions/1", response.Headers.Location?.OriginalString);

        string unpacked = Path.Join(platform.DataDir, "bundles", "sha256", hex);
        Assert.True(File.Exists(Path.Join(unpacked, "config.json")));
        Assert.Equal("/bin/httpd", new FileInfo(Path.Join(unpacked, "rootfs/bin/sh")).LinkTarget);
        Assert.Equal(File.ReadAllText(Path.Join(unpacked, "rootfs/bin/httpd")), File.ReadAllText(Path.Join(unpacked, "rootfs/bin/httpd2")));
        Assert.Equal(bundle, File.ReadAllBytes(Path.Join(platform.DataDir, "blobs", "sha256", hex)));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Join(platform.DataDir, "tmp")));

        FunctionActivated message = await activated.WaitForAsync(m => m.Function == "hello");
        Assert.Equal(("acme", 1, "sha256:" + hex), (message.Tenant, message.Version, message.Digest));
        Assert.Equal(64, message.Spec.MemoryMiB);
        Assert.Equal("b", message.Spec.Env["A"]);
        Assert.Equal(8080, message.Spec.Port);
    }

    [Fact]
    public async Task Gzip_and_multipart_uploads_are_accepted()
    {
        await using var platform = new PlatformFactory();
        await platform.CreateTenantAsync("acme");
        await platform.PutFunctionAsync("acme", "hello");
        byte[] gz = TestBundles.Gzip(TestBundles.Valid("gz"));
        var first = await Expect.JsonAsync(await platform.UploadAsync("acme", "hello", gz, "application/gzip"), HttpStatusCode.Created);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(gz)), first.GetProperty("digest").GetString());

        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("ignored"), "note");
        var file = new ByteArrayContent(TestBundles.Valid("multipart"));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        form.Add(file, "bundle", "bundle.tar");
        var second = await Expect.JsonAsync(await platform.Admin().PostAsync("/v1/tenants/acme/functions/hello/versions", form), HttpStatusCode.Created);
        Assert.Equal(2, second.GetProperty("version").GetInt32());

        using var noBundle = new MultipartFormDataContent { { new StringContent("x"), "other" } };
        var problem = await Expect.ProblemAsync(await platform.Admin().PostAsync("/v1/tenants/acme/functions/hello/versions", noBundle), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("bundle", out _));
    }

    [Fact]
    public async Task Activate_moves_the_pointer_and_publishes_FunctionActivated_for_rollback()
    {
        await using var platform = new PlatformFactory();
        var activated = await platform.RecordAsync<FunctionActivated>();
        await platform.CreateTenantAsync("acme");
        await platform.PutFunctionAsync("acme", "hello");
        var v1 = await Expect.JsonAsync(await platform.UploadAsync("acme", "hello", TestBundles.Valid("one")), HttpStatusCode.Created);
        var v2 = await Expect.JsonAsync(await platform.UploadAsync("acme", "hello", TestBundles.Valid("two")), HttpStatusCode.Created);
        Assert.True(v2.GetProperty("active").GetBoolean());
        var staged = await Expect.JsonAsync(await platform.UploadAsync("acme", "hello", TestBundles.Valid("three"), query: "?activate=false"), HttpStatusCode.Created);
        Assert.False(staged.GetProperty("active").GetBoolean());
        await activated.WaitForAsync(m => m.Version == 2);

        var function = await Expect.JsonAsync(await platform.Admin().PostAsync("/v1/tenants/acme/functions/hello/versions/1/activate", null));
        Assert.Equal(1, function.GetProperty("activeVersion").GetInt32());
        FunctionActivated rollback = await activated.WaitForAsync(m => m.Version == 1 && m.Digest == v1.GetProperty("digest").GetString());
        Assert.Equal("hello", rollback.Function);

        var versions = await Expect.JsonAsync(await platform.Admin().GetAsync("/v1/tenants/acme/functions/hello/versions"));
        Assert.Equal([1, 2, 3], versions.EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        Assert.Equal([true, false, false], versions.EnumerateArray().Select(v => v.GetProperty("active").GetBoolean()));
        Assert.DoesNotContain(activated.Messages, m => m.Version == 3);

        await Expect.ProblemAsync(await platform.Admin().PostAsync("/v1/tenants/acme/functions/hello/versions/9/activate", null), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Settings_change_of_a_deployed_function_is_a_new_active_version_of_the_same_bundle()
    {
        await using var platform = new PlatformFactory();
        var activated = await platform.RecordAsync<FunctionActivated>();
        await platform.CreateTenantAsync("acme");
        await platform.PutFunctionAsync("acme", "hello");
        var v1 = await Expect.JsonAsync(await platform.UploadAsync("acme", "hello", TestBundles.Valid()), HttpStatusCode.Created);

        var function = await Expect.JsonAsync(await platform.Admin().PutAsync("/v1/tenants/acme/functions/hello",
            System.Net.Http.Json.JsonContent.Create(new { memoryMiB = 512 })));
        Assert.Equal(2, function.GetProperty("activeVersion").GetInt32());
        FunctionActivated message = await activated.WaitForAsync(m => m.Version == 2);
        Assert.Equal(512, message.Spec.MemoryMiB);
        Assert.Equal(v1.GetProperty("digest").GetString(), message.Digest);

        // Rolling back restores the old settings with the old version.
        await Expect.StatusAsync(await platform.Admin().PostAsync("/v1/tenants/acme/functions/hello/versions/1/activate", null), HttpStatusCode.OK);
        Assert.Equal(128, (await activated.WaitForAsync(m => m.Version == 1 && activated.Messages.Count >= 3)).Spec.MemoryMiB);
    }

    [Fact]
    public async Task Same_bundle_twice_shares_one_stored_copy()
    {
        await using var platform = new PlatformFactory();
        await platform.CreateTenantAsync("acme");
        await platform.PutFunctionAsync("acme", "a");
        await platform.PutFunctionAsync("acme", "b");
        byte[] bundle = TestBundles.Valid();
        var a = await Expect.JsonAsync(await platform.UploadAsync("acme", "a", bundle), HttpStatusCode.Created);
        var b = await Expect.JsonAsync(await platform.UploadAsync("acme", "b", bundle), HttpStatusCode.Created);
        Assert.Equal(a.GetProperty("digest").GetString(), b.GetProperty("digest").GetString());
        Assert.Single(Directory.GetDirectories(Path.Join(platform.DataDir, "bundles", "sha256")));
    }

    [Fact]
    public async Task Upload_to_a_missing_function_is_404()
    {
        await using var platform = new PlatformFactory();
        await platform.CreateTenantAsync("acme");
        await Expect.ProblemAsync(await platform.UploadAsync("acme", "nope", TestBundles.Valid()), HttpStatusCode.NotFound);
    }
}
