namespace Platform.Runtime.Seccomp;

/// <summary>The syscall ABIs a filter can be compiled for on an x86_64 host.</summary>
public enum SeccompArch
{
    X86_64,
    X86,
    X32,
}

internal static class SeccompArchExtensions
{
    // AUDIT_ARCH_* from linux/audit.h: EM_* | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE.
    public const uint AuditArchX86_64 = 0xC000_003E;
    public const uint AuditArchI386 = 0x4000_0003;

    /// <summary>x32 shares x86_64's audit arch; the x32 bit in the syscall number tells them apart.</summary>
    public static uint AuditArch(this SeccompArch arch) => arch == SeccompArch.X86 ? AuditArchI386 : AuditArchX86_64;

    /// <summary>
    /// Architecture names the spec allows that can never reach an x86 kernel: accepted and ignored, since a
    /// filter cannot see their audit arch here (configs often list every arch of a multi-arch image).
    /// </summary>
    public static readonly HashSet<string> ForeignArchNames = new(StringComparer.Ordinal)
    {
        "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
        "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
        "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
    };

    public static SeccompArch? Parse(string name) => name switch
    {
        "SCMP_ARCH_X86_64" => SeccompArch.X86_64,
        "SCMP_ARCH_X86" => SeccompArch.X86,
        "SCMP_ARCH_X32" => SeccompArch.X32,
        _ => null,
    };
}
