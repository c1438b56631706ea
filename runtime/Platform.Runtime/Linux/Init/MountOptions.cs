using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Linux.Init;

/// <summary>
/// A mount's `options` split the way mount(8) and runc do: flags to set or clear, propagation changes
/// (applied after the mount, one call each) and the rest as the filesystem's data string.
/// </summary>
internal sealed record MountOptions(ulong Flags, IReadOnlyList<ulong> Propagation, string? Data)
{
    public bool IsBind => (Flags & MS_BIND) != 0;

    private static readonly Dictionary<string, (bool Clear, ulong Flag)> FlagOptions = new(StringComparer.Ordinal)
    {
        ["async"] = (true, MS_SYNCHRONOUS),
        ["atime"] = (true, MS_NOATIME),
        ["bind"] = (false, MS_BIND),
        ["defaults"] = (false, 0),
        ["dev"] = (true, MS_NODEV),
        ["diratime"] = (true, MS_NODIRATIME),
        ["dirsync"] = (false, MS_DIRSYNC),
        ["exec"] = (true, MS_NOEXEC),
        ["iversion"] = (false, MS_I_VERSION),
        ["lazytime"] = (false, MS_LAZYTIME),
        ["loud"] = (true, MS_SILENT),
        ["mand"] = (false, MS_MANDLOCK),
        ["noatime"] = (false, MS_NOATIME),
        ["nodev"] = (false, MS_NODEV),
        ["nodiratime"] = (false, MS_NODIRATIME),
        ["noexec"] = (false, MS_NOEXEC),
        ["noiversion"] = (true, MS_I_VERSION),
        ["nolazytime"] = (true, MS_LAZYTIME),
        ["nomand"] = (true, MS_MANDLOCK),
        ["norelatime"] = (true, MS_RELATIME),
        ["nostrictatime"] = (true, MS_STRICTATIME),
        ["nosuid"] = (false, MS_NOSUID),
        ["nosymfollow"] = (false, MS_NOSYMFOLLOW),
        ["rbind"] = (false, MS_BIND | MS_REC),
        ["relatime"] = (false, MS_RELATIME),
        ["remount"] = (false, MS_REMOUNT),
        ["ro"] = (false, MS_RDONLY),
        ["rw"] = (true, MS_RDONLY),
        ["silent"] = (false, MS_SILENT),
        ["strictatime"] = (false, MS_STRICTATIME),
        ["suid"] = (true, MS_NOSUID),
        ["sync"] = (false, MS_SYNCHRONOUS),
    };

    private static readonly Dictionary<string, ulong> PropagationOptions = new(StringComparer.Ordinal)
    {
        ["private"] = MS_PRIVATE,
        ["rprivate"] = MS_PRIVATE | MS_REC,
        ["shared"] = MS_SHARED,
        ["rshared"] = MS_SHARED | MS_REC,
        ["slave"] = MS_SLAVE,
        ["rslave"] = MS_SLAVE | MS_REC,
        ["unbindable"] = MS_UNBINDABLE,
        ["runbindable"] = MS_UNBINDABLE | MS_REC,
    };

    // statvfs f_flag bit → the MS_* flag a remount must keep (LockedFlags).
    private static readonly (ulong Statvfs, ulong Mount)[] LockedFlagPairs =
    [
        (ST_RDONLY, MS_RDONLY), (ST_NOSUID, MS_NOSUID), (ST_NODEV, MS_NODEV), (ST_NOEXEC, MS_NOEXEC),
        (ST_NOATIME, MS_NOATIME), (ST_NODIRATIME, MS_NODIRATIME), (ST_RELATIME, MS_RELATIME),
    ];

    // Recursive attributes and id-mapped mounts need mount_setattr(2); refuse them rather than ignore them.
    private static readonly HashSet<string> Unsupported = new(StringComparer.Ordinal)
    {
        "idmap", "ridmap", "rro", "rrw", "rnosuid", "rsuid", "rnodev", "rdev", "rnoexec", "rexec", "rnoatime",
        "ratime", "rrelatime", "rnorelatime", "rstrictatime", "rnostrictatime", "rnodiratime", "rdiratime",
        "rnosymfollow", "rsymfollow", "tmpcopyup",
    };

    public static MountOptions Parse(IReadOnlyList<string>? options, string jsonPath)
    {
        ulong flags = 0;
        var propagation = new List<ulong>();
        var data = new List<string>();
        for (var i = 0; i < (options?.Count ?? 0); i++)
        {
            var option = options![i];
            if (FlagOptions.TryGetValue(option, out var f))
            {
                flags = f.Clear ? flags & ~f.Flag : flags | f.Flag;
            }
            else if (PropagationOptions.TryGetValue(option, out var p))
            {
                propagation.Add(p);
            }
            else if (Unsupported.Contains(option))
            {
                throw new RuntimeException(RuntimeErrorKind.Unsupported, $"{jsonPath}.options[{i}]: mount option \"{option}\" is not supported");
            }
            else
            {
                data.Add(option);
            }
        }
        return new MountOptions(flags, propagation, data.Count == 0 ? null : string.Join(',', data));
    }

    /// <summary>Flags of a mount that a user namespace may not clear on remount (statvfs f_flag → MS_*).</summary>
    public static ulong LockedFlags(ulong statvfsFlags)
    {
        ulong flags = 0;
        foreach (var (statvfs, mount) in LockedFlagPairs)
        {
            if ((statvfsFlags & statvfs) != 0)
            {
                flags |= mount;
            }
        }

        return flags;
    }
}
