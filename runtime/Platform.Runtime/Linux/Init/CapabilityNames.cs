namespace Platform.Runtime.Linux.Init;

/// <summary>Capability names (capabilities(7)) and their numbers.</summary>
internal static class CapabilityNames
{
    private static readonly string[] Names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    public static int Count => Names.Length;

    /// <summary>The capability's number, or -1 for a name this runtime does not know.</summary>
    public static int NumberOf(string? name) => Array.IndexOf(Names, name);

    /// <summary>The set as a bit mask; <paramref name="jsonPath"/> names the list in errors.</summary>
    public static ulong ToMask(IReadOnlyList<string>? names, string jsonPath)
    {
        ulong mask = 0;
        for (var i = 0; i < (names?.Count ?? 0); i++)
        {
            var index = Array.IndexOf(Names, names![i]);
            if (index < 0)
            {
                throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{jsonPath}[{i}]: unknown capability \"{names[i]}\"");
            }

            mask |= 1UL << index;
        }
        return mask;
    }
}
