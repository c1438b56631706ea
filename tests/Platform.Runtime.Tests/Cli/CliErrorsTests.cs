using Platform.Runtime.Cli;

namespace Platform.Runtime.Tests.Cli;

/// <summary>The CLI's one table from error kind to exit status and log name (runtime/README.md documents it).</summary>
public sealed class CliErrorsTests
{
    [Theory]
    [InlineData(RuntimeErrorKind.ContainerNotFound, "container-not-found")]
    [InlineData(RuntimeErrorKind.ContainerExists, "container-exists")]
    [InlineData(RuntimeErrorKind.InvalidState, "invalid-state")]
    [InlineData(RuntimeErrorKind.AlreadyStopped, "already-stopped")]
    [InlineData(RuntimeErrorKind.InvalidArgument, "invalid-argument")]
    [InlineData(RuntimeErrorKind.InvalidConfig, "invalid-config")]
    [InlineData(RuntimeErrorKind.Unsupported, "unsupported")]
    [InlineData(RuntimeErrorKind.HookFailed, "hook-failed")]
    [InlineData(RuntimeErrorKind.Permission, "permission")]
    [InlineData(RuntimeErrorKind.HostFailure, "host-failure")]
    [InlineData(RuntimeErrorKind.Internal, "internal")]
    public void Each_kind_exits_1_as_runc_does_and_logs_its_name(RuntimeErrorKind kind, string name)
    {
        var report = CliErrors.For(kind);

        Assert.Equal(1, report.ExitCode);
        Assert.Equal(name, report.Name);
    }

    [Fact]
    public void Every_kind_has_a_row_of_its_own()
    {
        var kinds = Enum.GetValues<RuntimeErrorKind>();

        Assert.Equal(kinds.Length, kinds.Select(k => CliErrors.For(k).Name).Distinct().Count());
    }
}
