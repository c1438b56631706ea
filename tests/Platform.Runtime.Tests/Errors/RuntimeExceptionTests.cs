using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Vmm;

namespace Platform.Runtime.Tests.Errors;

public sealed class RuntimeExceptionTests
{
    public static TheoryData<Exception, RuntimeErrorKind> Failures => new()
    {
        { new RuntimeException(RuntimeErrorKind.AlreadyStopped, "x"), RuntimeErrorKind.AlreadyStopped },
        { new UnauthorizedAccessException("x"), RuntimeErrorKind.Permission },
        { new IOException("x"), RuntimeErrorKind.HostFailure },
        { new DirectoryNotFoundException("x"), RuntimeErrorKind.HostFailure },
        { new VmmException(VmmError.KvmUnavailable, "x"), RuntimeErrorKind.Unsupported },
        { new VmmException(VmmError.InvalidKernel, "x"), RuntimeErrorKind.InvalidConfig },
        { new VmmException(VmmError.KvmCallFailed, "x"), RuntimeErrorKind.HostFailure },
        { new InvalidOperationException("x"), RuntimeErrorKind.Internal },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void KindOf_keeps_a_runtime_kind_and_classifies_what_the_runtime_wraps(Exception e, RuntimeErrorKind expected) =>
        Assert.Equal(expected, RuntimeException.KindOf(e));

    [Theory]
    [InlineData(1, RuntimeErrorKind.Permission)]
    [InlineData(13, RuntimeErrorKind.Permission)]
    [InlineData(2, RuntimeErrorKind.HostFailure)]
    [InlineData(16, RuntimeErrorKind.HostFailure)]
    public void A_failed_system_call_is_Permission_for_EPERM_and_EACCES_and_HostFailure_otherwise(int errno, RuntimeErrorKind expected) =>
        Assert.Equal(expected, Sys.Error("open /x", errno).Kind);
}
