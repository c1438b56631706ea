using Platform.Runtime.Seccomp;
using Platform.Runtime.Spec;
using SeccompSpec = Platform.Runtime.Spec.Seccomp;

namespace Platform.Runtime.Tests.Seccomp;

public sealed class SeccompCompilerTests
{
    private const uint Allow = 0x7fff_0000;
    private const uint KillProcess = 0x8000_0000;
    private const uint KillThread = 0;
    private const uint Errno = 0x0005_0000;
    private const uint Eperm = 1;

    // x86_64 / i386 / x32 numbers from the kernel's syscall tables.
    private const uint Mkdir64 = 83, Mkdirat64 = 258, Getpid64 = 39, Write64 = 1, Personality64 = 135;
    private const uint Mkdir32 = 39, Symlink32 = 83;
    private const uint X32Bit = 0x4000_0000;

    private static SeccompSpec Profile(string defaultAction, params SyscallRule[] rules) =>
        new() { DefaultAction = defaultAction, Syscalls = [.. rules] };

    private static SyscallRule Rule(string action, params string[] names) => new() { Action = action, Names = [.. names] };

    [Fact]
    public void Listed_syscall_gets_its_action_and_others_the_default()
    {
        var program = SeccompCompiler.Compile(Profile("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", "mkdir", "mkdirat")));

        Assert.Equal(Errno | Eperm, BpfInterpreter.RunX86_64(program.Instructions, Mkdir64));
        Assert.Equal(Errno | Eperm, BpfInterpreter.RunX86_64(program.Instructions, Mkdirat64));
        Assert.Equal(Allow, BpfInterpreter.RunX86_64(program.Instructions, Getpid64));
        Assert.Equal(Allow, BpfInterpreter.RunX86_64(program.Instructions, 100_000));
    }

    [Fact]
    public void Errno_values_come_from_errnoRet_and_defaultErrnoRet()
    {
        var spec = Profile("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", "write"), new SyscallRule
        {
            Action = "SCMP_ACT_ERRNO", ErrnoRet = 95, Names = ["mkdir"],
        });
        spec.DefaultErrnoRet = 38;
        var program = SeccompCompiler.Compile(spec);

        Assert.Equal(Allow, BpfInterpreter.RunX86_64(program.Instructions, Write64));
        Assert.Equal(Errno | 95, BpfInterpreter.RunX86_64(program.Instructions, Mkdir64));
        Assert.Equal(Errno | 38, BpfInterpreter.RunX86_64(program.Instructions, Getpid64));
    }

    [Theory]
    [InlineData("SCMP_ACT_KILL", 0x0000_0000u)]
    [InlineData("SCMP_ACT_KILL_THREAD", 0x0000_0000u)]
    [InlineData("SCMP_ACT_KILL_PROCESS", 0x8000_0000u)]
    [InlineData("SCMP_ACT_TRAP", 0x0003_0000u)]
    [InlineData("SCMP_ACT_ERRNO", 0x0005_0001u)]
    [InlineData("SCMP_ACT_TRACE", 0x7ff0_0001u)]
    [InlineData("SCMP_ACT_LOG", 0x7ffc_0000u)]
    [InlineData("SCMP_ACT_ALLOW", 0x7fff_0000u)]
    public void Each_action_maps_to_its_seccomp_return_value(string action, uint expected)
    {
        string other = action == "SCMP_ACT_ALLOW" ? "SCMP_ACT_LOG" : "SCMP_ACT_ALLOW";
        var program = SeccompCompiler.Compile(Profile(other, Rule(action, "personality")));

        Assert.Equal(expected, BpfInterpreter.RunX86_64(program.Instructions, Personality64));
    }

    [Fact]
    public void Notify_returns_user_notif_and_asks_for_a_listener()
    {
        var spec = Profile("SCMP_ACT_ALLOW", Rule("SCMP_ACT_NOTIFY", "mkdir"));
        spec.ListenerPath = "/run/listener.sock";
        var program = SeccompCompiler.Compile(spec);

        Assert.Equal(0x7fc0_0000u, BpfInterpreter.RunX86_64(program.Instructions, Mkdir64));
        Assert.True(program.Flags.HasFlag(SeccompFilterFlags.NewListener));
        Assert.Equal("/run/listener.sock", program.ListenerPath);
    }

    [Fact]
    public void Foreign_arch_is_killed_when_not_listed()
    {
        var program = SeccompCompiler.Compile(Profile("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", "mkdir")));

        Assert.Equal(KillProcess, BpfInterpreter.Run(program.Instructions, BpfInterpreter.AuditArchI386, Mkdir32));
        Assert.Equal(KillProcess, BpfInterpreter.Run(program.Instructions, 0xC000_00B7 /* aarch64 */, Mkdir64));
    }

    [Fact]
    public void Listed_x86_arch_uses_the_i386_syscall_table()
    {
        var spec = Profile("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", "mkdir", "socketcall"));
        spec.Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"];
        var program = SeccompCompiler.Compile(spec);

        Assert.Equal(Errno | Eperm, BpfInterpreter.Run(program.Instructions, BpfInterpreter.AuditArchI386, Mkdir32));
        Assert.Equal(Errno | Eperm, BpfInterpreter.Run(program.Instructions, BpfInterpreter.AuditArchI386, 102 /* socketcall */));
        Assert.Equal(Allow, BpfInterpreter.Run(program.Instructions, BpfInterpreter.AuditArchI386, Symlink32));
        Assert.Equal(Errno | Eperm, BpfInterpreter.RunX86_64(program.Instructions, Mkdir64));
    }

    [Fact]
    public void X32_syscalls_are_a_foreign_arch_unless_x32_is_listed()
    {
        var without = SeccompCompiler.Compile(Profile("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", "mkdir")));
        Assert.Equal(KillProcess, BpfInterpreter.RunX86_64(without.Instructions, X32Bit | Mkdir64));
        Assert.Equal(KillProcess, BpfInterpreter.RunX86_64(without.Instructions, X32Bit | Getpid64));

        var spec = Profile("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", "mkdir", "rt_sigaction"));
        spec.Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32"];
        var with = SeccompCompiler.Compile(spec);
        Assert.Equal(Errno | Eperm, BpfInterpreter.RunX86_64(with.Instructions, X32Bit | Mkdir64));
        Assert.Equal(Errno | Eperm, BpfInterpreter.RunX86_64(with.Instructions, X32Bit | 512 /* x32 rt_sigaction */));
        Assert.Equal(Allow, BpfInterpreter.RunX86_64(with.Instructions, X32Bit | 13 /* not rt_sigaction on x32 */));
        Assert.Equal(Errno | Eperm, BpfInterpreter.RunX86_64(with.Instructions, 13 /* x86_64 rt_sigaction */));
    }

    [Fact]
    public void Architectures_of_other_hosts_are_accepted_and_ignored()
    {
        var spec = Profile("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", "mkdir"));
        spec.Architectures = ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"];
        var program = SeccompCompiler.Compile(spec);

        Assert.Equal(Errno | Eperm, BpfInterpreter.RunX86_64(program.Instructions, Mkdir64));
    }

    [Fact]
    public void Unknown_syscall_names_are_skipped()
    {
        var program = SeccompCompiler.Compile(Profile("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", "no_such_syscall", "mkdir")));

        Assert.Equal(Errno | Eperm, BpfInterpreter.RunX86_64(program.Instructions, Mkdir64));
    }

    private static readonly ulong[] Interesting =
    [
        0, 1, 2, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x1_0000_0000, 0x1_0000_0001, 0x2_0000_0000,
        0x1_ffff_ffff, 0xffff_ffff_0000_0000, 0xffff_ffff_ffff_fffe, ulong.MaxValue,
    ];

    public static TheoryData<string> Operators => new("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
        "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ");

    [Theory]
    [MemberData(nameof(Operators))]
    public void Argument_comparisons_use_all_64_bits(string op)
    {
        foreach (ulong value in Interesting)
        {
            ulong valueTwo = value & 0x1_0000_00ff;
            var program = SeccompCompiler.Compile(Profile("SCMP_ACT_ALLOW", new SyscallRule
            {
                Action = "SCMP_ACT_ERRNO",
                Names = ["personality"],
                Args = [new SyscallArg { Index = 3, Op = op, Value = value, ValueTwo = valueTwo }],
            }));
            foreach (ulong arg in Interesting.Concat([value & 0x1_0000_00ff, (value & 0x1_0000_00ff) | 0x100]))
            {
                bool expected = op switch
                {
                    "SCMP_CMP_NE" => arg != value,
                    "SCMP_CMP_LT" => arg < value,
                    "SCMP_CMP_LE" => arg <= value,
                    "SCMP_CMP_EQ" => arg == value,
                    "SCMP_CMP_GE" => arg >= value,
                    "SCMP_CMP_GT" => arg > value,
                    _ => (arg & value) == valueTwo,
                };
                uint result = BpfInterpreter.RunX86_64(program.Instructions, Personality64, 0, 0, 0, arg);
                Assert.True(expected == (result == (Errno | Eperm)), $"{op} value=0x{value:x} arg=0x{arg:x}: got 0x{result:x}");
            }
        }
    }

    [Fact]
    public void Conditions_of_one_rule_are_ANDed_and_rules_for_one_syscall_ORed()
    {
        var program = SeccompCompiler.Compile(Profile("SCMP_ACT_ALLOW",
            new SyscallRule
            {
                Action = "SCMP_ACT_ERRNO", ErrnoRet = 10, Names = ["personality"],
                Args =
                [
                    new SyscallArg { Index = 0, Op = "SCMP_CMP_EQ", Value = 1 },
                    new SyscallArg { Index = 1, Op = "SCMP_CMP_EQ", Value = 2 },
                ],
            },
            new SyscallRule
            {
                Action = "SCMP_ACT_ERRNO", ErrnoRet = 20, Names = ["personality"],
                Args = [new SyscallArg { Index = 5, Op = "SCMP_CMP_GT", Value = 0x5_0000_0000 }],
            }));

        Assert.Equal(Errno | 10, BpfInterpreter.RunX86_64(program.Instructions, Personality64, 1, 2));
        Assert.Equal(Allow, BpfInterpreter.RunX86_64(program.Instructions, Personality64, 1, 3));
        Assert.Equal(Allow, BpfInterpreter.RunX86_64(program.Instructions, Personality64, 0, 2));
        Assert.Equal(Errno | 20, BpfInterpreter.RunX86_64(program.Instructions, Personality64, 0, 0, 0, 0, 0, 0x5_0000_0001));
        Assert.Equal(Errno | 10, BpfInterpreter.RunX86_64(program.Instructions, Personality64, 1, 2, 0, 0, 0, 0x6_0000_0000));
        Assert.Equal(Allow, BpfInterpreter.RunX86_64(program.Instructions, Personality64, 0, 0, 0, 0, 0, 0x5_0000_0000));
        Assert.Equal(Allow, BpfInterpreter.RunX86_64(program.Instructions, Getpid64, 1, 2));
    }

    [Fact]
    public void Unconditional_rule_after_conditional_ones_catches_the_rest()
    {
        var program = SeccompCompiler.Compile(Profile("SCMP_ACT_ALLOW",
            new SyscallRule
            {
                Action = "SCMP_ACT_LOG", Names = ["personality"],
                Args = [new SyscallArg { Index = 0, Op = "SCMP_CMP_EQ", Value = 0xffff_ffff }],
            },
            Rule("SCMP_ACT_KILL_PROCESS", "personality")));

        Assert.Equal(0x7ffc_0000u, BpfInterpreter.RunX86_64(program.Instructions, Personality64, 0xffff_ffff));
        Assert.Equal(KillProcess, BpfInterpreter.RunX86_64(program.Instructions, Personality64, 8));
    }

    [Fact]
    public void Jumps_beyond_255_instructions_still_reach_their_targets()
    {
        // A conditional rule for every syscall makes each arch's section thousands of instructions long, so
        // the dispatch to the x32 and i386 sections lies far beyond an 8-bit jump.
        var names = SyscallTable.All(SeccompArch.X86_64).Keys.Take(150).Concat(SyscallTable.All(SeccompArch.X86).Keys.Take(50)).Distinct().ToList();
        var spec = Profile("SCMP_ACT_ALLOW", [.. names.Select((name, i) => new SyscallRule
        {
            Action = "SCMP_ACT_ERRNO", ErrnoRet = (uint)(i % 200) + 1, Names = [name],
            Args = [new SyscallArg { Index = 0, Op = "SCMP_CMP_NE", Value = 7 }],
        })]);
        spec.Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_X86"];
        var program = SeccompCompiler.Compile(spec);

        Assert.Contains(program.Instructions, i => i.Code == 0x05);
        foreach (var arch in (SeccompArch[])[SeccompArch.X86_64, SeccompArch.X32, SeccompArch.X86])
        {
            uint audit = arch == SeccompArch.X86 ? BpfInterpreter.AuditArchI386 : BpfInterpreter.AuditArchX86_64;
            for (int i = 0; i < names.Count; i++)
            {
                if (SyscallTable.TryGetNumber(arch, names[i], out uint nr))
                {
                    Assert.Equal(Errno | (uint)((i % 200) + 1), BpfInterpreter.Run(program.Instructions, audit, nr, 0));
                    Assert.Equal(Allow, BpfInterpreter.Run(program.Instructions, audit, nr, 7));
                }
            }
        }
    }

    [Fact]
    public void A_large_allow_list_compiles_compactly_and_exactly()
    {
        var names = Enumerable.Range(0, 470).Select(n => SyscallName(n)).OfType<string>().Where(n => n != "mkdir").ToList();
        var program = SeccompCompiler.Compile(Profile("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", [.. names])));

        Assert.InRange(program.Instructions.Count, names.Count, names.Count + 30);
        foreach (var name in names)
        {
            Assert.Equal(Allow, BpfInterpreter.RunX86_64(program.Instructions, SyscallNumber(name)));
        }
        Assert.Equal(Errno | Eperm, BpfInterpreter.RunX86_64(program.Instructions, Mkdir64));
    }

    [Fact]
    public void Flags_are_parsed()
    {
        var spec = Profile("SCMP_ACT_ALLOW");
        spec.Flags = ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"];

        var program = SeccompCompiler.Compile(spec);

        Assert.Equal(SeccompFilterFlags.Log | SeccompFilterFlags.SpecAllow | SeccompFilterFlags.Tsync, program.Flags);
    }

    [Fact]
    public void ToBytes_is_the_kernel_sock_filter_layout()
    {
        var program = SeccompCompiler.Compile(Profile("SCMP_ACT_ALLOW"));
        var bytes = program.ToBytes();

        Assert.Equal(program.Instructions.Count * 8, bytes.Length);
        // ld [4]: code 0x20, jt 0, jf 0, k 4.
        Assert.Equal(new byte[] { 0x20, 0, 0, 0, 4, 0, 0, 0 }, bytes[..8]);
    }

    public static TheoryData<string, string> InvalidProfiles => new()
    {
        { """{"syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}""", "linux.seccomp.defaultAction: required" },
        { """{"defaultAction":"SCMP_ACT_NOPE"}""", "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\"" },
        { """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_LOG"},{"names":["b"],"action":"SCMP_ACT_LOG"},{"names":["c"],"action":"SCMP_ACT_LOG"},{"names":["d"],"action":"X"}]}""",
          "linux.seccomp.syscalls[3].action: unknown action \"X\"" },
        { """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir",""],"action":"SCMP_ACT_ERRNO"}]}""", "linux.seccomp.syscalls[0].names[1]: invalid syscall name \"\"" },
        { """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mk dir"],"action":"SCMP_ACT_ERRNO"}]}""", "linux.seccomp.syscalls[0].names[0]: invalid syscall name \"mk dir\"" },
        { """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":[],"action":"SCMP_ACT_ERRNO"}]}""", "linux.seccomp.syscalls[0].names: at least one syscall name is required" },
        { """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"]}]}""", "linux.seccomp.syscalls[0].action: required" },
        { """{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_Z80"]}""", "linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_Z80\"" },
        { """{"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_FAST"]}""", "linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_FAST\"" },
        { """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}""", "linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0-5)" },
        { """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":1,"op":"SCMP_CMP_LIKE"}]}]}""", "linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_LIKE\"" },
        { """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_NOTIFY"}]}""", "linux.seccomp.listenerPath: required when an action is SCMP_ACT_NOTIFY" },
        { """{"defaultAction":"SCMP_ACT_NOTIFY","listenerPath":"/x"}""", "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action" },
        { """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_KILL","errnoRet":5}]}""", "linux.seccomp.syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_KILL" },
        { """{"defaultAction":"SCMP_ACT_ALLOW","defaultErrnoRet":1}""", "linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_ALLOW" },
        { """{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":70000}""", "linux.seccomp.defaultErrnoRet: 70000 is out of range (0-65535)" },
    };

    [Theory]
    [MemberData(nameof(InvalidProfiles))]
    public void Invalid_profile_is_an_error_naming_the_json_path(string json, string message)
    {
        var spec = System.Text.Json.JsonSerializer.Deserialize(
            """{"ociVersion":"1.2.0","linux":{"seccomp":""" + json + "}}", SpecJsonContext.Default.RuntimeSpec)!;

        var error = Assert.Throws<RuntimeException>(() => SeccompCompiler.Compile(spec.Linux!.Seccomp!));

        Assert.Equal(RuntimeErrorKind.InvalidConfig, error.Kind);
        Assert.Equal(message, error.Message);
    }

    private static readonly Dictionary<uint, string> X86_64Names =
        SyscallTable.All(SeccompArch.X86_64).ToDictionary(kv => kv.Value, kv => kv.Key);

    private static string? SyscallName(int nr) => X86_64Names.GetValueOrDefault((uint)nr);

    private static uint SyscallNumber(string name) =>
        SyscallTable.TryGetNumber(SeccompArch.X86_64, name, out uint nr) ? nr : throw new ArgumentException(name);
}
