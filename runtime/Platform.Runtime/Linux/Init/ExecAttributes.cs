using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Spec;
using Platform.Runtime.Validation;

namespace Platform.Runtime.Linux.Init;

/// <summary>
/// What the kernel keeps per process and execve carries over to the container's process: the execution domain
/// (linux.personality), the I/O priority (process.ioPriority) and the AppArmor profile or SELinux label to take on
/// at exec. The validator already refused each of them where the host cannot apply it (<see cref="HostSupport"/>).
/// </summary>
internal sealed class ExecAttributes(IInitSyscalls sys)
{
    private const int PerLinux = 0x0000, PerLinux32 = 0x0008;
    private const int IoprioWhoProcess = 1, IoprioClassShift = 13;
    private const int F_OK = 0;

    public void Apply(RuntimeSpec spec)
    {
        var process = spec.Process!;
        if (spec.Linux?.Personality?.Domain is { } domain)
        {
            var persona = domain == "LINUX32" ? PerLinux32 : PerLinux;
            Sys.Check(sys.Personality(persona), $"linux.personality.domain: personality({domain})");
        }
        if (process.IoPriority is { } io)
        {
            var ioClass = HostSupport.IoPriorityClass(io.Class)
                ?? throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"process.ioPriority.class: unknown class \"{io.Class}\"");
            Sys.Check(sys.IoprioSet(IoprioWhoProcess, 0, (ioClass << IoprioClassShift) | io.Priority),
                $"process.ioPriority: ioprio_set({io.Class}, {io.Priority})");
        }
        // As runc: the label is written for the next execve, so the init itself keeps running unconfined.
        if (!string.IsNullOrEmpty(process.ApparmorProfile))
        {
            WriteAttr(["/proc/thread-self/attr/apparmor/exec", "/proc/thread-self/attr/exec"], "exec " + process.ApparmorProfile, "process.apparmorProfile");
        }

        if (!string.IsNullOrEmpty(process.SelinuxLabel))
        {
            WriteAttr(["/proc/thread-self/attr/exec"], process.SelinuxLabel, "process.selinuxLabel");
        }
    }

    /// <summary>linux.mountLabel as the mount data option SELinux reads (runc's label.FormatMountLabel).</summary>
    public static string? WithMountLabel(string? data, string? mountLabel)
    {
        if (string.IsNullOrEmpty(mountLabel))
        {
            return data;
        }

        var context = $"context=\"{mountLabel}\"";
        return string.IsNullOrEmpty(data) ? context : $"{data},{context}";
    }

    private void WriteAttr(string[] candidates, string value, string jsonPath)
    {
        // The first path is the LSM's own file (kernel 5.8+); older kernels have only the shared one.
        var path = candidates.FirstOrDefault(c => sys.Access(c, F_OK) == 0) ?? candidates[^1];
        try
        {
            sys.WriteFile(path, value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuntimeException(RuntimeException.KindOf(e), $"{jsonPath}: write {path}: {e.Message}", e);
        }
    }
}
