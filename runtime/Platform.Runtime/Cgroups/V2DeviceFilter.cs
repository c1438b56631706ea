using System.Runtime.InteropServices;
using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Cgroups;

/// <summary>
/// cgroup v2 has no devices controller: access to device nodes is decided by an eBPF program of type
/// BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup. This builds one from the rules (as runc's devicefilter
/// does) with v1 semantics: everything denied, then the rules in order, a later match overriding an earlier.
/// </summary>
internal static unsafe partial class V2DeviceFilter
{
    private const int BpfProgLoad = 5, BpfProgAttach = 8;
    private const uint BpfProgTypeCgroupDevice = 15, BpfCgroupDevice = 6;
    private const int DevBlock = 1, DevChar = 2;
    private const int AccMknod = 1, AccRead = 2, AccWrite = 4;

    public static void Apply(string cgroupDirectory, List<DeviceCgroup> rules)
    {
        var program = Build(rules);
        int progFd = Load(program);
        try
        {
            int cgroupFd = Open(cgroupDirectory, 0x10000 /* O_DIRECTORY */ | 0x80000 /* O_CLOEXEC */);
            if (cgroupFd < 0)
            {
                throw Error($"opening {cgroupDirectory}");
            }
            try
            {
                // No flags: this cgroup holds one device program, and attaching again replaces it.
                var attr = stackalloc uint[5] { (uint)cgroupFd, (uint)progFd, BpfCgroupDevice, 0, 0 };
                if (Bpf(BpfProgAttach, attr, 20) < 0)
                {
                    throw Error($"attaching the device filter to {cgroupDirectory}");
                }
            }
            finally
            {
                _ = Close(cgroupFd);
            }
        }
        finally
        {
            _ = Close(progFd);
        }
    }

    /// <summary>The program as 8-byte bpf_insn records. Context: bpf_cgroup_dev_ctx { access_type, major, minor }.</summary>
    internal static ulong[] Build(List<DeviceCgroup> rules)
    {
        var code = new List<ulong>
        {
            LoadContext(2, 0), Alu32Imm(0x50 /* and */, 2, 0xffff), // r2 = device type
            LoadContext(3, 0), Alu32Imm(0x70 /* rsh */, 3, 16), // r3 = requested access
            LoadContext(4, 4), // r4 = major
            LoadContext(5, 8), // r5 = minor
        };
        // Last rule first: the first match decides, which makes later rules override earlier ones.
        for (int i = rules.Count - 1; i >= 0; i--)
        {
            var rule = rules[i];
            var block = new List<ulong>();
            int access = (rule.Access ?? "rwm").Aggregate(0, (a, c) => a | c switch { 'r' => AccRead, 'w' => AccWrite, _ => AccMknod });
            string type = rule.Type ?? "a";
            if (type != "a")
            {
                block.Add(JumpNotEqual(2, type == "b" ? DevBlock : DevChar));
            }
            if (type != "a" && access != (AccRead | AccWrite | AccMknod))
            {
                block.Add(Mov64Reg(6, 3));
                if (rule.Allow)
                {
                    // An allow rule covers the request only if it grants every bit asked for.
                    block.Add(Alu32Imm(0x50, 6, ~access & 7));
                    block.Add(JumpNotEqual(6, 0));
                }
                else
                {
                    // A deny rule applies as soon as it forbids any bit asked for.
                    block.Add(Alu32Imm(0x50, 6, access));
                    block.Add(JumpEqual(6, 0));
                }
            }
            if (type != "a" && rule.Major is { } major)
            {
                block.Add(JumpNotEqual(4, (int)major));
            }
            if (type != "a" && rule.Minor is { } minor)
            {
                block.Add(JumpNotEqual(5, (int)minor));
            }
            block.Add(Mov64Imm(0, rule.Allow ? 1 : 0));
            block.Add(Exit());
            // Every jump in the block skips to the end of the block (the next rule).
            for (int j = 0; j < block.Count; j++)
            {
                if ((block[j] & 0x0f) == 0x05 && (byte)block[j] != 0x95)
                {
                    block[j] = WithOffset(block[j], (short)(block.Count - j - 1));
                }
            }
            code.AddRange(block);
            if (block.Count == 2)
            {
                // A rule for every device decides everything: the verifier refuses unreachable code after it.
                return [.. code];
            }
        }
        code.Add(Mov64Imm(0, 0));
        code.Add(Exit());
        return [.. code];
    }

    private static ulong Insn(byte op, int dst, int src, short off, int imm) =>
        op | ((ulong)(byte)((src << 4) | dst) << 8) | ((ulong)(ushort)off << 16) | ((ulong)(uint)imm << 32);

    private static ulong WithOffset(ulong insn, short off) => (insn & ~0xffff_0000UL) | ((ulong)(ushort)off << 16);

    private static ulong LoadContext(int dst, short offset) => Insn(0x61, dst, 1, offset, 0);
    private static ulong Alu32Imm(byte op, int dst, int imm) => Insn((byte)(0x04 | op), dst, 0, 0, imm);
    private static ulong Mov64Reg(int dst, int src) => Insn(0xbf, dst, src, 0, 0);
    private static ulong Mov64Imm(int dst, int imm) => Insn(0xb7, dst, 0, 0, imm);
    private static ulong JumpNotEqual(int reg, int imm) => Insn(0x55, reg, 0, 0, imm);
    private static ulong JumpEqual(int reg, int imm) => Insn(0x15, reg, 0, 0, imm);
    private static ulong Exit() => Insn(0x95, 0, 0, 0, 0);

    private static int Load(ulong[] program)
    {
        var license = "GPL\0"u8;
        var log = new byte[64 * 1024];
        fixed (ulong* insns = program)
        fixed (byte* lic = license)
        fixed (byte* logBuf = log)
        {
            // union bpf_attr, BPF_PROG_LOAD part up to expected_attach_type.
            var attr = stackalloc byte[72];
            new Span<byte>(attr, 72).Clear();
            *(uint*)(attr + 0) = BpfProgTypeCgroupDevice;
            *(uint*)(attr + 4) = (uint)program.Length;
            *(ulong*)(attr + 8) = (ulong)insns;
            *(ulong*)(attr + 16) = (ulong)lic;
            *(uint*)(attr + 24) = 1;
            *(uint*)(attr + 28) = (uint)log.Length;
            *(ulong*)(attr + 32) = (ulong)logBuf;
            int fd = (int)Bpf(BpfProgLoad, attr, 72);
            if (fd < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                string verifier = System.Text.Encoding.ASCII.GetString(log).TrimEnd('\0').Trim();
                throw new RuntimeException(Sys.KindOf(errno),
                    $"cgroup: loading the v2 device filter: {Marshal.GetPInvokeErrorMessage(errno)}{(verifier.Length > 0 ? $" ({verifier})" : "")}");
            }
            return fd;
        }
    }

    private static RuntimeException Error(string what)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new(Sys.KindOf(errno), $"cgroup: {what}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    private static long Bpf(int command, void* attr, uint size) => Syscall(321, command, (nint)attr, (nint)size);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, nint command, nint attr, nint size);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
