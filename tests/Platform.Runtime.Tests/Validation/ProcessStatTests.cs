using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Syscalls;

namespace Platform.Runtime.Tests.Validation;

public sealed class ProcessStatTests
{
    private static string Stat(string comm, char state, ulong start) =>
        $"42 ({comm}) {state} 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 {start} 1000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 256";

    [Fact]
    public void Parses_state_and_start_time()
    {
        var stat = ProcessStat.Parse(42, Stat("sleep", 'S', 123456));

        Assert.Equal(new ProcessStat(42, 'S', 123456, 256), stat);
        Assert.False(stat!.HasExited);
    }

    [Fact]
    public void A_command_name_with_spaces_and_parentheses_does_not_shift_fields()
    {
        var stat = ProcessStat.Parse(42, Stat("a) Z (b", 'Z', 99));

        Assert.Equal('Z', stat!.State);
        Assert.Equal(99UL, stat.StartTime);
        Assert.True(stat.HasExited);
    }

    [Fact]
    public void Reads_this_process_from_procfs()
    {
        var stat = LinuxSyscalls.Instance.ReadProcessStat(Environment.ProcessId);

        Assert.NotNull(stat);
        Assert.False(stat.HasExited);
        Assert.Null(LinuxSyscalls.Instance.ReadProcessStat(int.MaxValue));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(3 << 8, 3)]
    [InlineData(9, 137)]
    [InlineData(15 | 0x80, 143)]
    public void Wait_statuses_convert_like_a_shell(int raw, int expected) => Assert.Equal(expected, Libc.ShellStatus(raw));
}
