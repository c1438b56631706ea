using Platform.Runtime.Validation;

namespace Platform.Runtime.Tests.Validation;

public sealed class ContainerIdTests
{
    [Theory]
    [InlineData("web")]
    [InlineData("fn-1.2_a+b")]
    [InlineData("0123456789abcdef")]
    public void Ordinary_ids_are_accepted(string id) => ContainerId.Validate(id);

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("a/b", "must not contain \"/\"")]
    [InlineData("/abs", "must not contain \"/\"")]
    [InlineData(".", "must not be \".\" or \"..\"")]
    [InlineData("..", "must not be \".\" or \"..\"")]
    [InlineData("tab\there", "may contain only")]
    [InlineData("ünï", "may contain only")]
    public void Unsafe_ids_are_rejected(string id, string expected) =>
        Assert.Contains(expected, Assert.Throws<RuntimeException>(() => ContainerId.Validate(id)).Message);

    [Fact]
    public void Overlong_ids_are_rejected() =>
        Assert.Equal(RuntimeErrorKind.InvalidArgument, Assert.Throws<RuntimeException>(() => ContainerId.Validate(new string('a', 1025))).Kind);
}
