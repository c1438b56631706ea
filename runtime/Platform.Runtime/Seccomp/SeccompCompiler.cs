using SeccompSpec = Platform.Runtime.Spec.Seccomp;

namespace Platform.Runtime.Seccomp;

/// <summary>
/// Compiles the spec's <c>linux.seccomp</c> to a classic BPF filter, as libseccomp does for runc:
/// check the audit arch (foreign arches are killed), pick the syscall table by arch (x32 by its number bit),
/// then per syscall try its rules in spec order (arguments of one rule ANDed, rules ORed), else the default.
/// The native x86_64 arch is always included, like a libseccomp filter; unknown syscall names are skipped.
/// </summary>
public static class SeccompCompiler
{
    private const uint BadArchReturn = SeccompReturn.KillProcess;
    /// <summary>Rules per shared return instruction, so that most branches stay short.</summary>
    private const int GroupSize = 200;

    public static SeccompProgram Compile(SeccompSpec seccomp) => Compile(seccomp, "linux.seccomp");

    /// <param name="path">JSON path of the seccomp object, for error messages.</param>
    public static SeccompProgram Compile(SeccompSpec seccomp, string path)
    {
        ArgumentNullException.ThrowIfNull(seccomp);
        // The same checks the config validator reports; past them, every name below is known to parse.
        SeccompRules.Check(seccomp, path, static (p, m) => throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{p}: {m}"));
        uint defaultReturn = SeccompReturn.Parse(seccomp.DefaultAction, seccomp.DefaultErrnoRet,
            $"{path}.defaultAction", $"{path}.defaultErrnoRet");

        var arches = new HashSet<SeccompArch> { SeccompArch.X86_64 };
        foreach (string name in seccomp.Architectures ?? [])
        {
            // Foreign arches (SeccompArchExtensions.ForeignArchNames) parse to nothing and are ignored.
            if (SeccompArchExtensions.Parse(name) is { } arch)
            {
                arches.Add(arch);
            }
        }
        var flags = SeccompFilterFlags.None;
        foreach (string name in seccomp.Flags ?? [])
        {
            flags |= SeccompFilterFlagNames.Parse(name)!.Value;
        }
        var rules = ParseRules(seccomp.Syscalls, path);
        if (rules.Any(r => r.Return == SeccompReturn.UserNotif))
        {
            flags |= SeccompFilterFlags.NewListener;
        }
        // As runc: a rule that does what the default does adds nothing.
        rules.RemoveAll(r => r.Return == defaultReturn);

        var b = new BpfBuilder();
        var x86_64 = b.NewLabel();
        var x86 = b.NewLabel();
        b.Load(Bpf.OffsetArch);
        b.Jump(Bpf.Jeq, SeccompArchExtensions.AuditArchX86_64, x86_64, null);
        if (arches.Contains(SeccompArch.X86))
        {
            b.Jump(Bpf.Jeq, SeccompArchExtensions.AuditArchI386, x86, null);
        }
        b.Return(BadArchReturn);

        b.Mark(x86_64);
        b.Load(Bpf.OffsetNr);
        // Only numbers in the x32 range are x32 syscalls: anything above it (syscall(-1), 0x7fffffff) is an
        // unknown x86_64 number, which the kernel answers with ENOSYS, so it gets the default action.
        var x32 = b.NewLabel();
        var native = b.NewLabel();
        b.Jump(Bpf.Jge, SyscallTable.X32SyscallBit, null, native);
        if (arches.Contains(SeccompArch.X32))
        {
            b.Jump(Bpf.Jgt, SyscallTable.X32MaxNumber, native, x32);
        }
        else
        {
            // An x32 syscall in a filter without x32 is a foreign arch, not an unknown x86_64 syscall.
            b.Jump(Bpf.Jgt, SyscallTable.X32MaxNumber, native, null);
            b.Return(BadArchReturn);
        }
        b.Mark(native);
        EmitArch(b, SeccompArch.X86_64, rules, defaultReturn);

        b.Mark(x32);
        if (arches.Contains(SeccompArch.X32))
        {
            EmitArch(b, SeccompArch.X32, rules, defaultReturn);
        }
        b.Mark(x86);
        if (arches.Contains(SeccompArch.X86))
        {
            b.Load(Bpf.OffsetNr);
            EmitArch(b, SeccompArch.X86, rules, defaultReturn);
        }

        var program = b.Build();
        if (program.Length > Bpf.MaxInstructions)
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidConfig,
                $"{path}: the filter needs {program.Length} BPF instructions, more than the kernel's limit of {Bpf.MaxInstructions}");
        }
        return new SeccompProgram(program, flags, seccomp.ListenerPath);
    }

    /// <summary>Emits one arch's syscall dispatch; the accumulator holds the syscall number on entry.</summary>
    private static void EmitArch(BpfBuilder b, SeccompArch arch, List<Rule> rules, uint defaultReturn)
    {
        // Per syscall, its rules in spec order up to the first unconditional one (later ones cannot match).
        var bySyscall = new Dictionary<uint, List<Rule>>();
        var order = new List<uint>();
        foreach (var rule in rules)
        {
            foreach (var name in rule.Names)
            {
                if (!SyscallTable.TryGetNumber(arch, name, out uint nr))
                {
                    continue;
                }
                if (!bySyscall.TryGetValue(nr, out var list))
                {
                    bySyscall[nr] = list = [];
                    order.Add(nr);
                }
                if (list.Count == 0 || list[^1].Conditions.Length > 0)
                {
                    list.Add(rule);
                }
            }
        }

        foreach (uint nr in order.Where(nr => bySyscall[nr][0].Conditions.Length > 0))
        {
            EmitConditional(b, arch, nr, bySyscall[nr], defaultReturn);
        }

        var simple = order.Where(nr => bySyscall[nr][0].Conditions.Length == 0)
            .GroupBy(nr => bySyscall[nr][0].Return);
        foreach (var group in simple)
        {
            foreach (var chunk in group.Chunk(GroupSize))
            {
                var match = b.NewLabel();
                var after = b.NewLabel();
                for (int i = 0; i < chunk.Length; i++)
                {
                    bool last = i == chunk.Length - 1;
                    b.Jump(Bpf.Jeq, chunk[i], last ? null : match, last ? after : null);
                }
                b.Mark(match);
                b.Return(group.Key);
                b.Mark(after);
            }
        }
        b.Return(defaultReturn);
    }

    private static void EmitConditional(BpfBuilder b, SeccompArch arch, uint nr, List<Rule> rules, uint defaultReturn)
    {
        var otherSyscall = b.NewLabel();
        b.Jump(Bpf.Jeq, nr, null, otherSyscall);
        bool unconditionalReached = false;
        foreach (var rule in rules)
        {
            if (rule.Conditions.Length == 0)
            {
                b.Return(rule.Return);
                unconditionalReached = true;
                break;
            }
            var nextRule = b.NewLabel();
            foreach (var condition in rule.Conditions)
            {
                if (arch == SeccompArch.X86)
                {
                    EmitCondition32(b, condition, nextRule);
                }
                else
                {
                    EmitCondition(b, condition, nextRule);
                }
            }
            b.Return(rule.Return);
            b.Mark(nextRule);
        }
        if (!unconditionalReached)
        {
            b.Return(defaultReturn);
        }
        b.Mark(otherSyscall);
    }

    /// <summary>
    /// Falls through when the 64-bit argument satisfies the condition, else jumps to <paramref name="fail"/>.
    /// seccomp_data holds each argument as two little-endian 32-bit words: compare the high word first and
    /// only look at the low word when the high words are equal.
    /// </summary>
    private static void EmitCondition(BpfBuilder b, Condition c, BpfBuilder.Label fail)
    {
        uint hiOffset = Bpf.OffsetArgHigh(c.Index), loOffset = Bpf.OffsetArgLow(c.Index);
        uint hi = (uint)(c.Value >> 32), lo = (uint)c.Value;
        var pass = b.NewLabel();
        b.Load(hiOffset);
        switch (c.Op)
        {
            case SeccompOperator.Eq:
                b.Jump(Bpf.Jeq, hi, null, fail);
                b.Load(loOffset);
                b.Jump(Bpf.Jeq, lo, null, fail);
                break;
            case SeccompOperator.Ne:
                b.Jump(Bpf.Jeq, hi, null, pass);
                b.Load(loOffset);
                b.Jump(Bpf.Jeq, lo, fail, null);
                break;
            case SeccompOperator.Gt or SeccompOperator.Ge:
                b.Jump(Bpf.Jgt, hi, pass, null);
                b.Jump(Bpf.Jeq, hi, null, fail);
                b.Load(loOffset);
                b.Jump(c.Op == SeccompOperator.Gt ? Bpf.Jgt : Bpf.Jge, lo, null, fail);
                break;
            case SeccompOperator.Lt or SeccompOperator.Le:
                b.Jump(Bpf.Jgt, hi, fail, null);
                b.Jump(Bpf.Jeq, hi, null, pass);
                b.Load(loOffset);
                // LT is "not GE", LE is "not GT".
                b.Jump(c.Op == SeccompOperator.Lt ? Bpf.Jge : Bpf.Jgt, lo, fail, null);
                break;
            case SeccompOperator.MaskedEq:
                uint wantHi = (uint)(c.ValueTwo >> 32), wantLo = (uint)c.ValueTwo;
                b.And(hi);
                b.Jump(Bpf.Jeq, wantHi, null, fail);
                b.Load(loOffset);
                b.And(lo);
                b.Jump(Bpf.Jeq, wantLo, null, fail);
                break;
        }
        b.Mark(pass);
    }

    /// <summary>
    /// i386 arguments are 32-bit: the high word of seccomp_data's argument is not part of the value (the kernel
    /// copies whole registers), so only the low words of the argument and of the rule's values are compared,
    /// as libseccomp does for 32-bit arches.
    /// </summary>
    private static void EmitCondition32(BpfBuilder b, Condition c, BpfBuilder.Label fail)
    {
        uint lo = (uint)c.Value;
        b.Load(Bpf.OffsetArgLow(c.Index));
        switch (c.Op)
        {
            case SeccompOperator.Eq:
                b.Jump(Bpf.Jeq, lo, null, fail);
                break;
            case SeccompOperator.Ne:
                b.Jump(Bpf.Jeq, lo, fail, null);
                break;
            case SeccompOperator.Gt:
                b.Jump(Bpf.Jgt, lo, null, fail);
                break;
            case SeccompOperator.Ge:
                b.Jump(Bpf.Jge, lo, null, fail);
                break;
            case SeccompOperator.Lt:
                b.Jump(Bpf.Jge, lo, fail, null);
                break;
            case SeccompOperator.Le:
                b.Jump(Bpf.Jgt, lo, fail, null);
                break;
            case SeccompOperator.MaskedEq:
                b.And(lo);
                b.Jump(Bpf.Jeq, (uint)c.ValueTwo, null, fail);
                break;
        }
    }

    /// <summary>The rules of a profile that <see cref="SeccompRules.Check"/> accepted.</summary>
    private static List<Rule> ParseRules(List<Spec.SyscallRule>? syscalls, string path)
    {
        var rules = new List<Rule>();
        for (int i = 0; i < (syscalls?.Count ?? 0); i++)
        {
            var rule = syscalls![i];
            uint ret = SeccompReturn.Parse(rule.Action, rule.ErrnoRet, $"{path}.syscalls[{i}].action", $"{path}.syscalls[{i}].errnoRet");
            var conditions = (rule.Args ?? [])
                .Select(arg => new Condition(arg.Index, SeccompRules.ParseOperator(arg.Op)!.Value, arg.Value, arg.ValueTwo))
                .ToArray();
            rules.Add(new Rule([.. rule.Names!], conditions, ret));
        }
        return rules;
    }

    private readonly record struct Condition(uint Index, SeccompOperator Op, ulong Value, ulong ValueTwo);

    private sealed record Rule(string[] Names, Condition[] Conditions, uint Return);
}
