using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Spec;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Linux.Init;

/// <summary>
/// Becomes process.user with process.capabilities, in the order that keeps the needed privileges until the
/// end: bounding set → KEEPCAPS + groups/gid/uid → capset (effective, permitted, inheritable) → ambient.
/// Everything acts on the calling thread, which is the one that execs.
/// </summary>
internal sealed class Credentials(IInitSyscalls sys)
{
    public void Apply(Process process)
    {
        var user = process.User ?? new User();
        var caps = process.Capabilities;
        ulong bounding = 0, effective = 0, permitted = 0, inheritable = 0, ambient = 0;
        if (caps is not null)
        {
            bounding = CapabilityNames.ToMask(caps.Bounding, "process.capabilities.bounding");
            effective = CapabilityNames.ToMask(caps.Effective, "process.capabilities.effective");
            permitted = CapabilityNames.ToMask(caps.Permitted, "process.capabilities.permitted");
            inheritable = CapabilityNames.ToMask(caps.Inheritable, "process.capabilities.inheritable");
            ambient = CapabilityNames.ToMask(caps.Ambient, "process.capabilities.ambient");
            DropBounding(bounding);
        }

        Sys.Check(sys.Prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "prctl(PR_SET_KEEPCAPS)");
        var groups = (user.AdditionalGids ?? []).ToArray();
        // EPERM here means setgroups is denied in this user namespace: keep the groups it has.
        if (sys.SetGroups(groups) < 0 && Libc.Errno != EPERM)
        {
            throw Sys.Error("setgroups");
        }

        Sys.Check(sys.SetResGid(user.Gid), $"setresgid {user.Gid}");
        Sys.Check(sys.SetResUid(user.Uid), $"setresuid {user.Uid}");
        Sys.Check(sys.Prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0), "prctl(PR_SET_KEEPCAPS)");

        if (caps is null)
        {
            return;
        }
        // Ambient capabilities must be permitted and inheritable; the kernel refuses others.
        ambient &= SetCapabilities(effective, permitted, inheritable);
        Sys.Check(sys.Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "clear ambient capabilities");
        for (var cap = 0; cap < 64; cap++)
        {
            if ((ambient & (1UL << cap)) != 0)
            {
                Sys.Check(sys.Prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (nuint)cap, 0, 0), $"raise ambient capability {cap}");
            }
        }
    }

    private void DropBounding(ulong keep)
    {
        var last = LastCap();
        for (var cap = 0; cap <= last; cap++)
        {
            if ((keep & (1UL << cap)) == 0)
            {
                Sys.Check(sys.Prctl(PR_CAPBSET_DROP, (nuint)cap, 0, 0, 0), $"drop capability {cap} from the bounding set");
            }
        }
    }

    /// <summary>
    /// Sets the three sets, limited to what this process holds: asking for a capability the runtime itself lacks
    /// (CAP_SYS_RESOURCE on some hosts) leaves it out rather than failing the container.
    /// </summary>
    private ulong SetCapabilities(ulong effective, ulong permitted, ulong inheritable)
    {
        Sys.Check(sys.CapGet(out var held, out var heldInheritable), "capget");
        permitted &= held;
        effective &= permitted;
        inheritable &= held | heldInheritable;
        Sys.Check(sys.CapSet(effective, permitted, inheritable), "capset");
        return permitted & inheritable;
    }

    /// <summary>The kernel's highest capability: PR_CAPBSET_READ fails past it (no /proc needed).</summary>
    private int LastCap()
    {
        var cap = 0;
        while (cap < 63 && sys.Prctl(PR_CAPBSET_READ, (nuint)(cap + 1), 0, 0, 0) >= 0)
        {
            cap++;
        }

        return cap;
    }
}
