using Platform.Runtime.Seccomp;
using Platform.Runtime.Spec;
using SeccompSpec = Platform.Runtime.Spec.Seccomp;

namespace Platform.Runtime.Tests.Seccomp;

/// <summary>Syscall numbers outside every table and i386's 32-bit arguments, run through the BPF interpreter.</summary>
public sealed class SeccompNumberAndArgTests
{
    private const uint Allow = 0x7fff_0000;
    private const uint KillProcess = 0x8000_0000;
    private const uint Errno = 0x0005_0000;
    private const uint X32Bit = 0x4000_0000;
    private const uint Getpid64 = 39, Mkdir64 = 83, Personality32 = 136;

    private static SeccompSpec Profile(string defaultAction, params string[] architectures) => new()
    {
        DefaultAction = defaultAction,
        DefaultErrnoRet = defaultAction == "SCMP_ACT_ERRNO" ? 38u : null,
        Architectures = architectures.Length == 0 ? null : [.. architectures],
        Syscalls = [new SyscallRule { Action = "SCMP_ACT_ALLOW", Names = ["getpid", "mkdir"] }],
    };

    [Theory]
    [InlineData(0xffff_ffffu)] // syscall(-1)
    [InlineData(0x7fff_ffffu)]
    [InlineData(0x4000_0000u | 600)] // above the last x32 syscall
    [InlineData(1000u)]
    public void A_number_in_no_syscall_table_gets_the_default_action_not_kill(uint nr)
    {
        foreach (var profile in new[] { Profile("SCMP_ACT_ERRNO"), Profile("SCMP_ACT_ERRNO", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_X86") })
        {
            var program = SeccompCompiler.Compile(profile);

            Assert.Equal(Errno | 38, BpfInterpreter.RunX86_64(program.Instructions, nr));
            Assert.Equal(Allow, BpfInterpreter.RunX86_64(program.Instructions, Getpid64));
        }
        var withI386 = SeccompCompiler.Compile(Profile("SCMP_ACT_LOG", "SCMP_ARCH_X86"));
        Assert.Equal(0x7ffc_0000u, BpfInterpreter.Run(withI386.Instructions, BpfInterpreter.AuditArchI386, nr));
    }

    [Fact]
    public void Real_x32_numbers_stay_a_foreign_arch_when_x32_is_not_listed()
    {
        var program = SeccompCompiler.Compile(Profile("SCMP_ACT_ERRNO"));

        Assert.Equal(KillProcess, BpfInterpreter.RunX86_64(program.Instructions, X32Bit | Mkdir64));
        Assert.Equal(KillProcess, BpfInterpreter.RunX86_64(program.Instructions, X32Bit | 547 /* x32 pwritev2, the last */));
    }

    private static SeccompSpec PersonalityRule(string op, ulong value, ulong valueTwo = 0) => new()
    {
        DefaultAction = "SCMP_ACT_ALLOW",
        Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
        Syscalls =
        [
            new SyscallRule
            {
                Action = "SCMP_ACT_ERRNO", Names = ["personality"],
                Args = [new SyscallArg { Index = 0, Op = op, Value = value, ValueTwo = valueTwo }],
            },
        ],
    };

    [Fact]
    public void An_i386_argument_is_compared_on_its_low_word_only()
    {
        // Profiles write 32-bit -1 sign-extended; an i386 process passes 0xffffffff, whatever the register's high half.
        var eq = SeccompCompiler.Compile(PersonalityRule("SCMP_CMP_EQ", ulong.MaxValue));
        Assert.Equal(Errno | 1, BpfInterpreter.Run(eq.Instructions, BpfInterpreter.AuditArchI386, Personality32, 0xffff_ffff));
        Assert.Equal(Errno | 1, BpfInterpreter.Run(eq.Instructions, BpfInterpreter.AuditArchI386, Personality32, 0xdead_0000_ffff_ffff));
        Assert.Equal(Allow, BpfInterpreter.Run(eq.Instructions, BpfInterpreter.AuditArchI386, Personality32, 8));
        // x86_64 still compares all 64 bits.
        Assert.Equal(Allow, BpfInterpreter.RunX86_64(eq.Instructions, 135, 0xffff_ffff));
        Assert.Equal(Errno | 1, BpfInterpreter.RunX86_64(eq.Instructions, 135, ulong.MaxValue));
    }

    [Theory]
    [InlineData("SCMP_CMP_NE", 5ul, 0ul, 0x1_0000_0005ul, false)]
    [InlineData("SCMP_CMP_NE", 5ul, 0ul, 6ul, true)]
    [InlineData("SCMP_CMP_GT", 5ul, 0ul, 0x1_0000_0005ul, false)]
    [InlineData("SCMP_CMP_GT", 5ul, 0ul, 0x1_0000_0006ul, true)]
    [InlineData("SCMP_CMP_GE", 0x1_0000_0005ul, 0ul, 5ul, true)]
    [InlineData("SCMP_CMP_GE", 5ul, 0ul, 0x1_0000_0004ul, false)]
    [InlineData("SCMP_CMP_LT", 5ul, 0ul, 0x1_0000_0004ul, true)]
    [InlineData("SCMP_CMP_LT", 5ul, 0ul, 5ul, false)]
    [InlineData("SCMP_CMP_LE", 5ul, 0ul, 0x1_0000_0005ul, true)]
    [InlineData("SCMP_CMP_LE", 5ul, 0ul, 6ul, false)]
    [InlineData("SCMP_CMP_MASKED_EQ", 0xffff_0000_0000_00fful, 0x12ul, 0x7777_0000_0000_0012ul, true)]
    [InlineData("SCMP_CMP_MASKED_EQ", 0xfful, 0x12ul, 0x13ul, false)]
    public void Every_i386_operator_ignores_the_high_word(string op, ulong value, ulong valueTwo, ulong arg, bool matches)
    {
        var program = SeccompCompiler.Compile(PersonalityRule(op, value, valueTwo));

        Assert.Equal(matches ? Errno | 1 : Allow, BpfInterpreter.Run(program.Instructions, BpfInterpreter.AuditArchI386, Personality32, arg));
    }
}
