namespace Platform.Runtime.Tests.Validation;

public sealed class SignalsTests
{
    [Theory]
    [InlineData("TERM", 15)]
    [InlineData("SIGTERM", 15)]
    [InlineData("sigterm", 15)]
    [InlineData("15", 15)]
    [InlineData("KILL", 9)]
    [InlineData("SIGKILL", 9)]
    [InlineData("9", 9)]
    [InlineData("HUP", 1)]
    [InlineData("SIGUSR1", 10)]
    [InlineData("WINCH", 28)]
    [InlineData("RTMIN", 34)]
    [InlineData("SIGRTMIN+3", 37)]
    [InlineData("RTMAX-1", 63)]
    [InlineData("64", 64)]
    public void Names_and_numbers_parse(string text, int expected) => Assert.Equal(expected, Signals.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("65")]
    [InlineData("-9")]
    [InlineData("SIGFOO")]
    [InlineData("RTMIN+40")]
    public void Bad_signals_are_errors(string text) =>
        Assert.Equal(RuntimeErrorKind.InvalidArgument, Assert.Throws<RuntimeException>(() => Signals.Parse(text)).Kind);
}
