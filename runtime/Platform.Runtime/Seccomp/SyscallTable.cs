namespace Platform.Runtime.Seccomp;

/// <summary>
/// Syscall name → number for the x86 ABIs, generated from the kernel's uapi headers by
/// generate-syscall-tables.sh (see SyscallTable.*.g.cs).
/// </summary>
internal static partial class SyscallTable
{
    /// <summary>x32 syscalls arrive on the x86_64 audit arch with this bit set in the number.</summary>
    public const uint X32SyscallBit = 0x4000_0000;

    /// <summary>The highest x32 syscall number (bit included): numbers above it are not x32 syscalls but unknown ones.</summary>
    public static uint X32MaxNumber => X32Numbers.Values.Max();

    public static bool TryGetNumber(SeccompArch arch, string name, out uint number) => arch switch
    {
        SeccompArch.X86_64 => X86_64Numbers.TryGetValue(name, out number),
        SeccompArch.X86 => X86Numbers.TryGetValue(name, out number),
        SeccompArch.X32 => X32Numbers.TryGetValue(name, out number),
        _ => throw new ArgumentOutOfRangeException(nameof(arch)),
    };

    public static IReadOnlyDictionary<string, uint> All(SeccompArch arch) => arch switch
    {
        SeccompArch.X86_64 => X86_64Numbers,
        SeccompArch.X86 => X86Numbers,
        SeccompArch.X32 => X32Numbers,
        _ => throw new ArgumentOutOfRangeException(nameof(arch)),
    };
}
