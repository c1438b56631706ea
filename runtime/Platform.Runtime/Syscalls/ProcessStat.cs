namespace Platform.Runtime.Syscalls;

/// <summary>The fields of /proc/&lt;pid&gt;/stat the lifecycle needs.</summary>
/// <param name="State">R, S, D, Z, T, X... (a zombie has exited).</param>
/// <param name="StartTime">Clock ticks after boot: with the PID it identifies one process across PID reuse.</param>
/// <param name="ExitCode">Wait status of a zombie (field 52), 0 otherwise.</param>
internal sealed record ProcessStat(int Pid, char State, ulong StartTime, int ExitCode)
{
    public bool HasExited => State is 'Z' or 'X';

    /// <summary>Parses the text of /proc/&lt;pid&gt;/stat. The command name may hold spaces and parentheses, so fields are counted after the last ')'.</summary>
    public static ProcessStat? Parse(int pid, string text)
    {
        var close = text.LastIndexOf(')');
        if (close < 0 || close + 2 >= text.Length)
        {
            return null;
        }
        // Fields after the command: [0]=state (field 3), [19]=starttime (field 22), [49]=exit_code (field 52).
        var fields = text[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 20 || fields[0].Length != 1 || !ulong.TryParse(fields[19], out var start))
        {
            return null;
        }

        var exitCode = fields.Length > 49 && int.TryParse(fields[49], out var code) ? code : 0;
        return new ProcessStat(pid, fields[0][0], start, exitCode);
    }
}
