using System.Globalization;
using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Linux.Init;

/// <summary>process.rlimits and process.oomScoreAdj, applied while the init still has its privileges.</summary>
internal sealed class ProcessLimits(IInitSyscalls sys)
{
    private static readonly string[] RlimitNames =
    [
        "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC",
        "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE",
        "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
    ];

    public static int ResourceOf(string? type, string jsonPath)
    {
        var index = Array.IndexOf(RlimitNames, type);
        return index >= 0 ? index : throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{jsonPath}.type: unknown rlimit \"{type}\"");
    }

    public void Apply(Process process)
    {
        var rlimits = process.Rlimits ?? [];
        for (var i = 0; i < rlimits.Count; i++)
        {
            var resource = ResourceOf(rlimits[i].Type, $"process.rlimits[{i}]");
            Sys.Check(sys.Prlimit(resource, rlimits[i].Soft, rlimits[i].Hard), $"process.rlimits[{i}]: set {rlimits[i].Type}");
        }

        if (process.OomScoreAdj is { } adj)
        {
            try
            {
                sys.WriteFile("/proc/self/oom_score_adj", adj.ToString(CultureInfo.InvariantCulture));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new RuntimeException(RuntimeException.KindOf(e), $"process.oomScoreAdj: set {adj}: {e.Message}", e);
            }
        }
    }
}
