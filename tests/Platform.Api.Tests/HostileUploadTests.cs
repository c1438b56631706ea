using System.Formats.Tar;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.Infrastructure;
using Platform.Data;
using static Platform.Api.Tests.Infrastructure.TestBundles;

namespace Platform.Api.Tests;

/// <summary>
/// Every hostile bundle is refused with a problem, writes nothing outside the store, registers nothing, leaves
/// no temp files, and the platform keeps serving.
/// </summary>
public sealed class HostileUploadTests
{
    private static readonly Dictionary<string, string?> SmallCaps = new()
    {
        ["Platform:Bundles:MaxBytes"] = (1024 * 1024).ToString(),
        ["Platform:Bundles:MaxUncompressedBytes"] = (4 * 1024 * 1024).ToString(),
        ["Platform:Bundles:MaxEntries"] = "64",
    };

    public static TheoryData<string, int> Cases => new()
    {
        { "dot-dot path", 400 },
        { "dot-dot inside path", 400 },
        { "absolute path", 400 },
        { "symlink out then file through it", 400 },
        { "relative symlink out then file through it", 400 },
        { "symlink out then directory through it", 400 },
        { "hardlink to outside file", 400 },
        { "hardlink by dot-dot", 400 },
        { "hardlink to not-yet-extracted entry", 400 },
        { "hardlink to a symlink", 400 },
        { "hardlink to a directory", 400 },
        { "character device", 400 },
        { "block device", 400 },
        { "fifo", 400 },
        { "not a tar", 400 },
        { "decompression bomb", 413 },
        { "too many entries", 413 },
        { "upload over the size cap", 413 },
        { "missing config.json", 422 },
        { "config.json not JSON", 422 },
        { "config.json wrong type", 422 },
        { "empty process.args", 422 },
        { "config.json is a symlink", 422 },
        { "root.path is a symlink to /", 422 },
        { "root.path is absolute", 422 },
        { "text/plain", 415 },
        { "no content type", 415 },
        { "octet-stream", 415 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Hostile_upload_is_refused_and_nothing_is_written_or_registered(string name, int status)
    {
        await using var platform = new PlatformFactory(settings: SmallCaps);
        string outside = Path.Join(platform.Root, "outside");
        Directory.CreateDirectory(outside);
        string secret = Path.Join(outside, "secret");
        File.WriteAllText(secret, "do not touch");
        await platform.CreateTenantAsync("acme");
        await platform.PutFunctionAsync("acme", "hello");

        (byte[] body, string? contentType) = Build(name, outside);
        using var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }
        using HttpResponseMessage response = await platform.Admin().PostAsync("/v1/tenants/acme/functions/hello/versions", content);

        var problem = await Expect.ProblemAsync(response, (HttpStatusCode)status);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        Assert.Equal(["secret"], Directory.GetFileSystemEntries(outside).Select(Path.GetFileName));
        Assert.Equal("do not touch", File.ReadAllText(secret));
        Assert.Equal([platform.DataDir], Directory.GetFileSystemEntries(platform.Root).Where(p => p != outside));
        string bundles = Path.Join(platform.DataDir, "bundles", "sha256");
        Assert.True(!Directory.Exists(bundles) || Directory.GetFileSystemEntries(bundles).Length == 0);
        string blobs = Path.Join(platform.DataDir, "blobs", "sha256");
        Assert.True(!Directory.Exists(blobs) || Directory.GetFileSystemEntries(blobs).Length == 0);
        string tmp = Path.Join(platform.DataDir, "tmp");
        Assert.True(!Directory.Exists(tmp) || Directory.GetFileSystemEntries(tmp).Length == 0);
        using (var scope = platform.Services.CreateScope())
        {
            Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().FunctionVersions.CountAsync());
        }

        await Expect.StatusAsync(await platform.WithKey(null).GetAsync("/healthz"), HttpStatusCode.OK);
        await Expect.StatusAsync(await platform.UploadAsync("acme", "hello", Valid()), HttpStatusCode.Created);
    }

    [Fact]
    public async Task Config_errors_name_the_json_path()
    {
        await using var platform = new PlatformFactory();
        await platform.CreateTenantAsync("acme");
        await platform.PutFunctionAsync("acme", "hello");
        var wrongType = await Expect.ProblemAsync(await platform.UploadAsync("acme", "hello",
            WithConfig("""{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":"httpd","cwd":"/"}}""")), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("process.args", wrongType.GetProperty("detail").GetString());
        var empty = await Expect.ProblemAsync(await platform.UploadAsync("acme", "hello",
            WithConfig("""{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":[],"cwd":"/"}}""")), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("process.args", empty.GetProperty("detail").GetString());
    }

    private static (byte[] Body, string? ContentType) Build(string name, string outside)
    {
        const string tar = "application/x-tar";
        string relativeOutside = "../../../outside"; // from <data>/tmp/unpack-x/ to <root>/outside
        return name switch
        {
            "dot-dot path" => (WithValid(w => FileEntry(w, relativeOutside + "/pwned", "x")), tar),
            "dot-dot inside path" => (WithValid(w => FileEntry(w, "rootfs/../../../../outside/pwned", "x")), tar),
            "absolute path" => (WithValid(w => FileEntry(w, outside + "/pwned", "x")), tar),
            "symlink out then file through it" => (WithValid(w =>
            {
                SymlinkEntry(w, "rootfs/escape", outside);
                FileEntry(w, "rootfs/escape/pwned", "x");
            }), tar),
            "relative symlink out then file through it" => (WithValid(w =>
            {
                SymlinkEntry(w, "escape", relativeOutside);
                FileEntry(w, "escape/pwned", "x");
            }), tar),
            "symlink out then directory through it" => (WithValid(w =>
            {
                SymlinkEntry(w, "rootfs/escape", outside);
                DirectoryEntry(w, "rootfs/escape/newdir/");
            }), tar),
            "hardlink to outside file" => (WithValid(w => HardLinkEntry(w, "rootfs/secret", outside + "/secret")), tar),
            "hardlink by dot-dot" => (WithValid(w => HardLinkEntry(w, "rootfs/secret", relativeOutside + "/secret")), tar),
            "hardlink to not-yet-extracted entry" => (WithValid(w =>
            {
                HardLinkEntry(w, "rootfs/early", "rootfs/late");
                FileEntry(w, "rootfs/late", "x");
            }), tar),
            "hardlink to a symlink" => (WithValid(w =>
            {
                SymlinkEntry(w, "rootfs/link", outside + "/secret");
                HardLinkEntry(w, "rootfs/hard", "rootfs/link");
            }), tar),
            "hardlink to a directory" => (WithValid(w => HardLinkEntry(w, "rootfs/dir", "rootfs/bin")), tar),
            "character device" => (WithValid(w => SpecialEntry(w, TarEntryType.CharacterDevice, "rootfs/dev-null")), tar),
            "block device" => (WithValid(w => SpecialEntry(w, TarEntryType.BlockDevice, "rootfs/sda")), tar),
            "fifo" => (WithValid(w => SpecialEntry(w, TarEntryType.Fifo, "rootfs/pipe")), tar),
            "not a tar" => (Enumerable.Range(0, 4096).Select(i => (byte)(i * 7 + 3)).ToArray(), tar),
            "decompression bomb" => (Gzip(WithValid(w => FileEntry(w, "rootfs/zeros", new byte[8 * 1024 * 1024]))), "application/gzip"),
            "too many entries" => (WithValid(w =>
            {
                for (int i = 0; i < 100; i++)
                {
                    FileEntry(w, $"rootfs/f{i}", "x");
                }
            }), tar),
            "upload over the size cap" => (new byte[2 * 1024 * 1024], tar),
            "missing config.json" => (Tar(w => DirectoryEntry(w, "rootfs/")), tar),
            "config.json not JSON" => (WithConfig("{ this is not json"), tar),
            "config.json wrong type" => (WithConfig("""{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":"httpd","cwd":"/"}}"""), tar),
            "empty process.args" => (WithConfig("""{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":[],"cwd":"/"}}"""), tar),
            "config.json is a symlink" => (Tar(w =>
            {
                SymlinkEntry(w, "config.json", outside + "/secret");
                DirectoryEntry(w, "rootfs/");
            }), tar),
            "root.path is a symlink to /" => (Tar(w =>
            {
                FileEntry(w, "config.json", ValidConfig);
                SymlinkEntry(w, "rootfs", "/");
            }), tar),
            "root.path is absolute" => (WithConfig("""{"ociVersion":"1.0.2","root":{"path":"/"},"process":{"args":["/bin/sh"],"cwd":"/"}}"""), tar),
            "text/plain" => (Valid(), "text/plain"),
            "no content type" => (Valid(), null),
            "octet-stream" => (Valid(), "application/octet-stream"),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
        };
    }

    /// <summary>A valid bundle with hostile entries after it.</summary>
    private static byte[] WithValid(Action<TarWriter> hostile) => Tar(w =>
    {
        FileEntry(w, "config.json", ValidConfig);
        DirectoryEntry(w, "rootfs/");
        DirectoryEntry(w, "rootfs/bin/");
        FileEntry(w, "rootfs/bin/httpd", "x");
        hostile(w);
    });
}
