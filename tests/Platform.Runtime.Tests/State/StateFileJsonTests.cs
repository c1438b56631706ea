using System.Text;
using System.Text.Json;
using Platform.Runtime.Spec;
using Platform.Runtime.State;
using SpecHooks = Platform.Runtime.Spec.Hooks;

namespace Platform.Runtime.Tests.State;

public sealed class StateFileJsonTests
{
    private static readonly StateFile Full = new()
    {
        OciVersion = "1.2.0",
        Id = "web",
        Bundle = "/b/web",
        Rootfs = "/b/web/rootfs",
        Phase = StateFile.PhaseCreated,
        Pid = 4242,
        PidStartTime = 123456789012,
        Created = new DateTimeOffset(2026, 11, 28, 12, 40, 40, 123, TimeSpan.Zero),
        Annotations = new() { ["a"] = "1", ["quote\"d"] = "<ünï>" },
        CgroupPath = "/platform-runtime/web",
        Hooks = new SpecHooks
        {
            Poststart = [new Hook { Path = "/bin/ps", Args = ["ps", "-x"], Env = ["A=1"], Timeout = 5 }],
            Poststop = [new Hook { Path = "/bin/stop" }],
        },
    };

    [Fact]
    public void A_state_file_round_trips()
    {
        var read = StateFileJson.Deserialize(StateFileJson.Serialize(Full));

        Assert.Equal(Full with { Annotations = null, Hooks = null }, read with { Annotations = null, Hooks = null });
        Assert.Equal(Full.Annotations, read.Annotations);
        Assert.Equal(HooksJson(Full.Hooks), HooksJson(read.Hooks));
    }

    [Fact]
    public void The_format_written_by_earlier_versions_is_read()
    {
        // Exactly what the source-generated serializer wrote before state.json was read by hand.
        var old = """
            {
              "ociVersion": "1.2.0",
              "id": "web",
              "bundle": "/b/web",
              "rootfs": "/b/web/rootfs",
              "phase": "created",
              "pid": 4242,
              "pidStartTime": 123456789012,
              "created": "2026-11-28T12:40:40.123+00:00",
              "hooks": {
                "poststop": [
                  {
                    "path": "/bin/stop"
                  }
                ]
              }
            }
            """;
        var read = StateFileJson.Deserialize(Encoding.UTF8.GetBytes(old));

        Assert.Equal(4242, read.Pid);
        Assert.Equal(Full.Created, read.Created);
        Assert.Equal("/bin/stop", Assert.Single(read.Hooks!.Poststop!).Path);
        Assert.Null(read.CgroupPath);
    }

    [Fact]
    public void Unknown_properties_are_skipped()
    {
        var json = """{"future":{"x":[1,{"y":null}]},"ociVersion":"1.2.0","id":"a","bundle":"/b","rootfs":"/r","phase":"creating","hooks":{"later":[]}}""";

        var read = StateFileJson.Deserialize(Encoding.UTF8.GetBytes(json));

        Assert.Equal("a", read.Id);
        Assert.Equal(StateFile.PhaseCreating, read.Phase);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("""{"ociVersion":"1.2.0","bundle":"/b","rootfs":"/r","phase":"created"}""")]
    [InlineData("""{"ociVersion":"1.2.0","id":"a","bundle":"/b","rootfs":"/r","phase":"created","pid":"12"}""")]
    [InlineData("""{"ociVersion":"1.2.0","id":"a","bundle":"/b","rootfs":"/r","phase":"created","hooks":{"poststop":[{"args":[1]}]}}""")]
    public void A_file_that_is_not_a_state_file_is_refused(string json) =>
        Assert.ThrowsAny<JsonException>(() => StateFileJson.Deserialize(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Every_truncated_state_file_is_refused_without_surprises()
    {
        var bytes = StateFileJson.Serialize(Full);
        for (var length = 0; length < bytes.Length - 1; length++)
        {
            var e = Record.Exception(() => StateFileJson.Deserialize(bytes.AsSpan(0, length)));
            Assert.True(e is JsonException or FormatException or InvalidOperationException, $"{length}: {e}");
        }
    }

    private static string HooksJson(SpecHooks? hooks) =>
        JsonSerializer.Serialize(new RuntimeSpec { Hooks = hooks }, SpecJsonContext.Default.RuntimeSpec);
}
