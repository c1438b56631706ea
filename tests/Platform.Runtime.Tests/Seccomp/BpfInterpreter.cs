using Platform.Runtime.Seccomp;

namespace Platform.Runtime.Tests.Seccomp;

/// <summary>
/// Runs a classic BPF seccomp program on a seccomp_data input, checking what the kernel's verifier checks
/// (only forward jumps that land inside the program, only the instructions seccomp accepts).
/// </summary>
internal static class BpfInterpreter
{
    public const uint AuditArchX86_64 = 0xC000_003E;
    public const uint AuditArchI386 = 0x4000_0003;

    public static uint Run(IReadOnlyList<SockFilter> program, uint arch, uint nr, params ulong[] args)
    {
        Assert.InRange(program.Count, 1, 4096);
        var data = new byte[64];
        BitConverter.TryWriteBytes(data.AsSpan(0), nr);
        BitConverter.TryWriteBytes(data.AsSpan(4), arch);
        for (int i = 0; i < args.Length; i++)
        {
            BitConverter.TryWriteBytes(data.AsSpan(16 + (8 * i)), args[i]);
        }

        uint a = 0;
        int pc = 0;
        while (true)
        {
            Assert.InRange(pc, 0, program.Count - 1);
            var ins = program[pc];
            switch (ins.Code)
            {
                case 0x20: // ld w abs
                    Assert.True(ins.K % 4 == 0 && ins.K < 64, $"bad load offset {ins.K} at {pc}");
                    a = BitConverter.ToUInt32(data, (int)ins.K);
                    pc++;
                    break;
                case 0x54: // and k
                    a &= ins.K;
                    pc++;
                    break;
                case 0x06: // ret k
                    return ins.K;
                case 0x05: // ja
                    pc += 1 + checked((int)ins.K);
                    break;
                case 0x15: // jeq k
                    pc += 1 + (a == ins.K ? ins.Jt : ins.Jf);
                    break;
                case 0x25: // jgt k
                    pc += 1 + (a > ins.K ? ins.Jt : ins.Jf);
                    break;
                case 0x35: // jge k
                    pc += 1 + (a >= ins.K ? ins.Jt : ins.Jf);
                    break;
                case 0x45: // jset k
                    pc += 1 + ((a & ins.K) != 0 ? ins.Jt : ins.Jf);
                    break;
                default:
                    Assert.Fail($"unexpected opcode 0x{ins.Code:x2} at {pc}");
                    return 0;
            }
        }
    }

    public static uint RunX86_64(IReadOnlyList<SockFilter> program, uint nr, params ulong[] args) =>
        Run(program, AuditArchX86_64, nr, args);
}
