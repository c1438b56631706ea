using Platform.Runtime.Spec;

namespace Platform.Runtime.Validation;

/// <summary>
/// Fields this runtime applies only where the host can, and fields it does not apply at all: either way a config
/// that sets one is refused with the field's JSON path, never accepted and then ignored (a container believed to be
/// confined by an AppArmor profile that was never loaded is worse than one that does not start).
/// </summary>
internal sealed record HostSupport(bool AppArmor, bool SeLinux)
{
    /// <summary>The LSMs the running kernel has enabled (what runc's apparmor.IsEnabled and selinux.GetEnabled read).</summary>
    public static HostSupport Probe() => new(
        ReadFlag("/sys/module/apparmor/parameters/enabled") == "Y",
        File.Exists("/sys/fs/selinux/enforce"));

    private const string NotImplemented = "is not supported by this runtime";

    public void Check(RuntimeSpec spec, ValidationErrors errors)
    {
        if (spec.Process is { } process)
        {
            if (!string.IsNullOrEmpty(process.ApparmorProfile) && !AppArmor)
            {
                errors.AddUnsupported("process.apparmorProfile", "AppArmor is not enabled on this host");
            }

            if (!string.IsNullOrEmpty(process.SelinuxLabel) && !SeLinux)
            {
                errors.AddUnsupported("process.selinuxLabel", "SELinux is not enabled on this host");
            }

            if (process.Scheduler is not null)
            {
                errors.AddUnsupported("process.scheduler", NotImplemented);
            }

            if (process.ExecCpuAffinity is not null)
            {
                errors.AddUnsupported("process.execCPUAffinity", NotImplemented);
            }

            if (process.IoPriority is { } io)
            {
                if (IoPriorityClass(io.Class) is null)
                {
                    errors.Add("process.ioPriority.class", $"unknown class \"{io.Class}\" (IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE)");
                }

                if (io.Priority is < 0 or > 7)
                {
                    errors.Add("process.ioPriority.priority", $"{io.Priority} is outside 0..7");
                }
            }
        }
        if (spec.Linux is not { } linux)
        {
            return;
        }

        if (!string.IsNullOrEmpty(linux.MountLabel) && !SeLinux)
        {
            errors.AddUnsupported("linux.mountLabel", "SELinux is not enabled on this host");
        }

        if (linux.Personality?.Flags is { Count: > 0 })
        {
            errors.AddUnsupported("linux.personality.flags", NotImplemented + " (only the domain is applied)");
        }

        if (linux.IntelRdt is not null)
        {
            errors.AddUnsupported("linux.intelRdt", NotImplemented);
        }

        if (linux.TimeOffsets is not null)
        {
            errors.AddUnsupported("linux.timeOffsets", NotImplemented);
        }

        if (linux.MemoryPolicy is not null)
        {
            errors.AddUnsupported("linux.memoryPolicy", NotImplemented);
        }

        if (linux.NetDevices is not null)
        {
            errors.AddUnsupported("linux.netDevices", NotImplemented);
        }

        if (linux.Resources?.Network is not null)
        {
            errors.AddUnsupported("linux.resources.network", NotImplemented + " (cgroup v2 has no network controller; v1 net_cls/net_prio is not implemented)");
        }

        if (linux.Resources?.Rdma is not null)
        {
            errors.AddUnsupported("linux.resources.rdma", NotImplemented);
        }
    }

    /// <summary>ioprio_set(2)'s class number, or null for an unknown name.</summary>
    public static int? IoPriorityClass(string? name) => name switch
    {
        "IOPRIO_CLASS_RT" => 1,
        "IOPRIO_CLASS_BE" => 2,
        "IOPRIO_CLASS_IDLE" => 3,
        _ => null,
    };

    private static string? ReadFlag(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
