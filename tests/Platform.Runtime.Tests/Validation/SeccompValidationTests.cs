using Platform.Runtime.Seccomp;
using Platform.Runtime.Spec;
using Platform.Runtime.Tests.Seccomp;
using Platform.Runtime.Validation;

namespace Platform.Runtime.Tests.Validation;

/// <summary>The config validator and the seccomp compiler judge a profile by the same rules (Seccomp/SeccompRules).</summary>
public sealed class SeccompValidationTests : IDisposable
{
    private readonly string _bundle = Directory.CreateTempSubdirectory("platform-seccomp-validate-").FullName;

    public SeccompValidationTests() => Directory.CreateDirectory(Path.Combine(_bundle, "rootfs"));

    public void Dispose() => Directory.Delete(_bundle, recursive: true);

    [Theory]
    [MemberData(nameof(SeccompCompilerTests.InvalidProfiles), MemberType = typeof(SeccompCompilerTests))]
    public void The_validator_reports_what_the_compiler_refuses_with_the_same_json_path(string json, string message)
    {
        var spec = System.Text.Json.JsonSerializer.Deserialize(
            """{"ociVersion":"1.2.0","root":{"path":"rootfs"},"process":{"args":["/bin/sh"],"cwd":"/"},"linux":{"namespaces":[{"type":"mount"}],"seccomp":""" + json + "}}",
            SpecJsonContext.Default.RuntimeSpec)!;

        var error = Assert.Throws<RuntimeException>(() => SpecValidator.Validate(spec, _bundle));

        Assert.Contains(message, error.Message);
        Assert.Equal(message, Assert.Throws<RuntimeException>(() => SeccompCompiler.Compile(spec.Linux!.Seccomp!)).Message);
    }

    [Fact]
    public void Architectures_the_compiler_ignores_are_valid_config()
    {
        var spec = System.Text.Json.JsonSerializer.Deserialize(
            """{"ociVersion":"1.2.0","root":{"path":"rootfs"},"process":{"args":["/bin/sh"],"cwd":"/"},"linux":{"namespaces":[{"type":"mount"}],"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_LOONGARCH64","SCMP_ARCH_SHEB"]}}}""",
            SpecJsonContext.Default.RuntimeSpec)!;

        SpecValidator.Validate(spec, _bundle);
        SeccompCompiler.Compile(spec.Linux!.Seccomp!);
    }
}
