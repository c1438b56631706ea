using SeccompSpec = Platform.Runtime.Spec.Seccomp;

namespace Platform.Runtime.Seccomp;

/// <summary>
/// What makes a <c>linux.seccomp</c> object valid, in one place: the config validator reports every problem
/// through it (collecting them all), and <see cref="SeccompCompiler"/> runs it first (stopping at the first),
/// so the two can never disagree about an action, architecture, flag, syscall name or operator.
/// </summary>
internal static class SeccompRules
{
    public static readonly IReadOnlyList<string> OperatorNames =
    [
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
    ];

    public static SeccompOperator? ParseOperator(string? op) => op switch
    {
        "SCMP_CMP_NE" => SeccompOperator.Ne,
        "SCMP_CMP_LT" => SeccompOperator.Lt,
        "SCMP_CMP_LE" => SeccompOperator.Le,
        "SCMP_CMP_EQ" => SeccompOperator.Eq,
        "SCMP_CMP_GE" => SeccompOperator.Ge,
        "SCMP_CMP_GT" => SeccompOperator.Gt,
        "SCMP_CMP_MASKED_EQ" => SeccompOperator.MaskedEq,
        _ => null,
    };

    /// <summary>
    /// Reports every problem in <paramref name="seccomp"/> as (JSON path, message); <paramref name="path"/> is the
    /// object's own path (<c>linux.seccomp</c>). The order is the document's, so a reporter that throws names the
    /// first problem.
    /// </summary>
    public static void Check(SeccompSpec seccomp, string path, Action<string, string> report)
    {
        ArgumentNullException.ThrowIfNull(seccomp);
        if (SeccompReturn.TryParse(seccomp.DefaultAction, seccomp.DefaultErrnoRet, $"{path}.defaultAction", $"{path}.defaultErrnoRet", report)
            == SeccompReturn.UserNotif)
        {
            report($"{path}.defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
        }

        for (int i = 0; i < (seccomp.Architectures?.Count ?? 0); i++)
        {
            string? name = seccomp.Architectures![i];
            if (name is null || (SeccompArchExtensions.Parse(name) is null && !SeccompArchExtensions.ForeignArchNames.Contains(name)))
            {
                report($"{path}.architectures[{i}]", $"unknown architecture \"{name}\"");
            }
        }

        for (int i = 0; i < (seccomp.Flags?.Count ?? 0); i++)
        {
            if (seccomp.Flags![i] is not { } flag || SeccompFilterFlagNames.Parse(flag) is null)
            {
                report($"{path}.flags[{i}]", $"unknown seccomp flag \"{seccomp.Flags[i]}\"");
            }
        }

        bool notifies = false;
        for (int i = 0; i < (seccomp.Syscalls?.Count ?? 0); i++)
        {
            string rulePath = $"{path}.syscalls[{i}]";
            if (seccomp.Syscalls![i] is not { } rule)
            {
                report(rulePath, "must be an object");
                continue;
            }
            if (rule.Names is not { Count: > 0 })
            {
                report($"{rulePath}.names", "at least one syscall name is required");
            }
            for (int n = 0; n < (rule.Names?.Count ?? 0); n++)
            {
                if (!IsValidSyscallName(rule.Names![n]))
                {
                    report($"{rulePath}.names[{n}]", $"invalid syscall name \"{rule.Names[n]}\"");
                }
            }
            notifies |= SeccompReturn.TryParse(rule.Action, rule.ErrnoRet, $"{rulePath}.action", $"{rulePath}.errnoRet", report)
                == SeccompReturn.UserNotif;
            for (int a = 0; a < (rule.Args?.Count ?? 0); a++)
            {
                string argPath = $"{rulePath}.args[{a}]";
                if (rule.Args![a] is not { } arg)
                {
                    report(argPath, "must be an object");
                    continue;
                }
                if (arg.Index > 5)
                {
                    report($"{argPath}.index", $"{arg.Index} is out of range (0-5)");
                }
                if (ParseOperator(arg.Op) is null)
                {
                    report($"{argPath}.op", $"unknown operator \"{arg.Op}\"");
                }
            }
        }

        if (notifies && string.IsNullOrEmpty(seccomp.ListenerPath))
        {
            report($"{path}.listenerPath", "required when an action is SCMP_ACT_NOTIFY");
        }
    }

    /// <summary>Syscall names are lowercase identifiers; names this kernel's tables lack are skipped, as libseccomp does.</summary>
    private static bool IsValidSyscallName(string? name) =>
        !string.IsNullOrEmpty(name) && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');
}
