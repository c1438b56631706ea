using Platform.Runtime.Tests.Cli;

namespace Platform.Runtime.Tests.Errors;

/// <summary>An error crossing from the init, the VMM or the guest agent to the host keeps its kind and message.</summary>
public sealed class ErrorReportTests
{
    [Fact]
    public void A_runtime_error_arrives_with_its_kind_and_message()
    {
        var sent = new RuntimeException(RuntimeErrorKind.HookFailed, "hooks.createContainer[0]: /bin/false failed with exit status 1");

        var received = ErrorReport.Decode(ErrorReport.Encode(sent));

        Assert.Equal(RuntimeErrorKind.HookFailed, received.Kind);
        Assert.Equal(sent.Message, received.Message);
    }

    [Fact]
    public void A_message_with_colons_and_lines_is_kept_whole()
    {
        var report = ErrorReport.Encode(RuntimeErrorKind.InvalidConfig, "invalid config.json:\n  a: b\n  c: d");

        Assert.Equal("invalid config.json:\n  a: b\n  c: d", ErrorReport.Decode(report).Message);
    }

    [Fact]
    public void A_relayed_error_gets_its_prefix_and_keeps_its_kind()
    {
        var received = ErrorReport.Decode(ErrorReport.Encode(RuntimeErrorKind.InvalidConfig, "exec: /bin/nope: no such file or directory"), "in the guest: ");

        Assert.Equal(RuntimeErrorKind.InvalidConfig, received.Kind);
        Assert.Equal("in the guest: exec: /bin/nope: no such file or directory", received.Message);
    }

    [Fact]
    public void The_kinds_the_init_s_C_stage_sends_are_numbered_as_the_enum()
    {
        var source = File.ReadAllText(Path.Combine(CliBinary.RepoRoot, "runtime", "native", "nsexec.c"));

        Assert.Contains($"KIND_PERMISSION = {(int)RuntimeErrorKind.Permission},", source);
        Assert.Contains($"KIND_HOST_FAILURE = {(int)RuntimeErrorKind.HostFailure},", source);
    }

    [Theory]
    [InlineData("exec: /bin/nope: no such file or directory")]
    [InlineData("999:out of range")]
    [InlineData(":empty kind")]
    [InlineData("")]
    public void A_report_without_a_known_kind_is_Internal_with_the_text_as_sent(string report)
    {
        var received = ErrorReport.Decode(report);

        Assert.Equal(RuntimeErrorKind.Internal, received.Kind);
        Assert.Equal(report, received.Message);
    }
}
