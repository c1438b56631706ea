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
        uint defaultReturn = SeccompReturn.Parse(seccomp.DefaultAction, seccomp.DefaultErrnoRet,
            $"{path}.defaultAction", $"{path}.defaultErrnoRet");
        if (defaultReturn == SeccompReturn.UserNotif)
        {
            throw new RuntimeException($"{path}.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
        }

        var arches = ParseArchitectures(seccomp.Architectures, path);
        var flags = ParseFlags(seccomp.Flags, path);
        var rules = ParseRules(seccomp.Syscalls, path);

        if (rules.Any(r => r.Return == SeccompReturn.UserNotif))
        {
            if (string.IsNullOrEmpty(seccomp.ListenerPath))
            {
                throw new RuntimeException($"{path}.listenerPath: required when an action is SCMP_ACT_NOTIFY");
            }
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
        var x32 = b.NewLabel();
        if (arches.Contains(SeccompArch.X32))
        {
            b.Jump(Bpf.Jge, SyscallTable.X32SyscallBit, x32, null);
        }
        else
        {
            // An x32 syscall in a filter without x32 is a foreign arch, not an unknown x86_64 syscall.
            var native = b.NewLabel();
            b.Jump(Bpf.Jge, SyscallTable.X32SyscallBit, null, native);
            b.Return(BadArchReturn);
            b.Mark(native);
        }
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
            throw new RuntimeException(
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
            EmitConditional(b, nr, bySyscall[nr], defaultReturn);
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

    private static void EmitConditional(BpfBuilder b, uint nr, List<Rule> rules, uint defaultReturn)
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
                EmitCondition(b, condition, nextRule);
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
            case ArgOp.Eq:
                b.Jump(Bpf.Jeq, hi, null, fail);
                b.Load(loOffset);
                b.Jump(Bpf.Jeq, lo, null, fail);
                break;
            case ArgOp.Ne:
                b.Jump(Bpf.Jeq, hi, null, pass);
                b.Load(loOffset);
                b.Jump(Bpf.Jeq, lo, fail, null);
                break;
            case ArgOp.Gt or ArgOp.Ge:
                b.Jump(Bpf.Jgt, hi, pass, null);
                b.Jump(Bpf.Jeq, hi, null, fail);
                b.Load(loOffset);
                b.Jump(c.Op == ArgOp.Gt ? Bpf.Jgt : Bpf.Jge, lo, null, fail);
                break;
            case ArgOp.Lt or ArgOp.Le:
                b.Jump(Bpf.Jgt, hi, fail, null);
                b.Jump(Bpf.Jeq, hi, null, pass);
                b.Load(loOffset);
                // LT is "not GE", LE is "not GT".
                b.Jump(c.Op == ArgOp.Lt ? Bpf.Jge : Bpf.Jgt, lo, fail, null);
                break;
            case ArgOp.MaskedEq:
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

    private static HashSet<SeccompArch> ParseArchitectures(List<string>? names, string path)
    {
        var arches = new HashSet<SeccompArch> { SeccompArch.X86_64 };
        for (int i = 0; i < (names?.Count ?? 0); i++)
        {
            string name = names![i];
            if (SeccompArchExtensions.Parse(name) is { } arch)
            {
                arches.Add(arch);
            }
            else if (!SeccompArchExtensions.ForeignArchNames.Contains(name))
            {
                throw new RuntimeException($"{path}.architectures[{i}]: unknown architecture \"{name}\"");
            }
        }
        return arches;
    }

    private static SeccompFilterFlags ParseFlags(List<string>? names, string path)
    {
        var flags = SeccompFilterFlags.None;
        for (int i = 0; i < (names?.Count ?? 0); i++)
        {
            flags |= SeccompFilterFlagNames.Parse(names![i])
                ?? throw new RuntimeException($"{path}.flags[{i}]: unknown seccomp flag \"{names[i]}\"");
        }
        return flags;
    }

    private static List<Rule> ParseRules(List<Spec.SyscallRule>? syscalls, string path)
    {
        var rules = new List<Rule>();
        for (int i = 0; i < (syscalls?.Count ?? 0); i++)
        {
            string rulePath = $"{path}.syscalls[{i}]";
            var rule = syscalls![i] ?? throw new RuntimeException($"{rulePath}: must be an object");
            if (rule.Names is not { Count: > 0 })
            {
                throw new RuntimeException($"{rulePath}.names: at least one syscall name is required");
            }
            for (int n = 0; n < rule.Names.Count; n++)
            {
                if (!IsValidName(rule.Names[n]))
                {
                    throw new RuntimeException($"{rulePath}.names[{n}]: invalid syscall name \"{rule.Names[n]}\"");
                }
            }
            uint ret = SeccompReturn.Parse(rule.Action, rule.ErrnoRet, $"{rulePath}.action", $"{rulePath}.errnoRet");
            var conditions = new Condition[rule.Args?.Count ?? 0];
            for (int a = 0; a < conditions.Length; a++)
            {
                var arg = rule.Args![a] ?? throw new RuntimeException($"{rulePath}.args[{a}]: must be an object");
                if (arg.Index > 5)
                {
                    throw new RuntimeException($"{rulePath}.args[{a}].index: {arg.Index} is out of range (0-5)");
                }
                var op = ParseOp(arg.Op) ?? throw new RuntimeException(
                    $"{rulePath}.args[{a}].op: unknown operator \"{arg.Op}\"");
                conditions[a] = new Condition(arg.Index, op, arg.Value, arg.ValueTwo);
            }
            rules.Add(new Rule([.. rule.Names], conditions, ret));
        }
        return rules;
    }

    private static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    private static ArgOp? ParseOp(string? op) => op switch
    {
        "SCMP_CMP_NE" => ArgOp.Ne,
        "SCMP_CMP_LT" => ArgOp.Lt,
        "SCMP_CMP_LE" => ArgOp.Le,
        "SCMP_CMP_EQ" => ArgOp.Eq,
        "SCMP_CMP_GE" => ArgOp.Ge,
        "SCMP_CMP_GT" => ArgOp.Gt,
        "SCMP_CMP_MASKED_EQ" => ArgOp.MaskedEq,
        _ => null,
    };

    private enum ArgOp { Ne, Lt, Le, Eq, Ge, Gt, MaskedEq }

    private readonly record struct Condition(uint Index, ArgOp Op, ulong Value, ulong ValueTwo);

    private sealed record Rule(string[] Names, Condition[] Conditions, uint Return);
}
