using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Platform.Runtime.Linux.Interop;

namespace Platform.Runtime.Seccomp;

/// <summary>A compiled seccomp filter: the BPF instructions and the flags to install them with.</summary>
public sealed class SeccompProgram
{
    private readonly SockFilter[] _instructions;

    internal SeccompProgram(SockFilter[] instructions, SeccompFilterFlags flags, string? listenerPath)
    {
        _instructions = instructions;
        Flags = flags;
        ListenerPath = listenerPath;
    }

    public IReadOnlyList<SockFilter> Instructions => _instructions;

    public SeccompFilterFlags Flags { get; }

    /// <summary>
    /// Where the listener fd returned by <see cref="Install"/> must be sent (SCM_RIGHTS) when the filter
    /// uses SCMP_ACT_NOTIFY; null otherwise.
    /// </summary>
    public string? ListenerPath { get; }

    /// <summary>The program as the kernel's <c>struct sock_filter</c> array (8 bytes per instruction).</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[_instructions.Length * 8];
        for (int i = 0; i < _instructions.Length; i++)
        {
            var span = bytes.AsSpan(i * 8, 8);
            BinaryPrimitives.WriteUInt16LittleEndian(span, _instructions[i].Code);
            span[2] = _instructions[i].Jt;
            span[3] = _instructions[i].Jf;
            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], _instructions[i].K);
        }
        return bytes;
    }

    /// <summary>
    /// The inverse of <see cref="ToBytes"/>, for a program compiled elsewhere (the host compiles, the
    /// container's init installs). The listener path stays with the host.
    /// </summary>
    internal static SeccompProgram FromBytes(ReadOnlySpan<byte> bytes, SeccompFilterFlags flags)
    {
        if (bytes.Length == 0 || bytes.Length % 8 != 0 || bytes.Length / 8 > ushort.MaxValue)
        {
            throw new ArgumentException($"a seccomp program of {bytes.Length} bytes is not a whole number of 8-byte instructions", nameof(bytes));
        }

        var instructions = new SockFilter[bytes.Length / 8];
        for (var i = 0; i < instructions.Length; i++)
        {
            var span = bytes.Slice(i * 8, 8);
            instructions[i] = new SockFilter(BinaryPrimitives.ReadUInt16LittleEndian(span), span[2], span[3], BinaryPrimitives.ReadUInt32LittleEndian(span[4..]));
        }
        return new SeccompProgram(instructions, flags, listenerPath: null);
    }

    /// <summary>
    /// Installs the filter on the calling thread (and, with TSYNC, its whole thread group). Needs
    /// no_new_privs or CAP_SYS_ADMIN; call it last before execve, on the thread that execs.
    /// Returns the user-notification listener fd when the filter has SCMP_ACT_NOTIFY rules, else -1.
    /// </summary>
    public unsafe int Install()
    {
        fixed (SockFilter* filter = _instructions)
        {
            var prog = new SockFprog { Len = (ushort)_instructions.Length, Filter = filter };
            long result = SeccompSyscalls.SetModeFilter((uint)Flags, &prog);
            if (result >= 0)
            {
                return Flags.HasFlag(SeccompFilterFlags.NewListener) ? (int)result : -1;
            }
            int errno = Marshal.GetLastPInvokeError();
            // Kernels before 3.17 have no seccomp(2); prctl installs a filter but cannot take flags.
            if (errno == SeccompSyscalls.ENOSYS && Flags == SeccompFilterFlags.None)
            {
                if (SeccompSyscalls.PrctlSetModeFilter(&prog) == 0)
                {
                    return -1;
                }
                errno = Marshal.GetLastPInvokeError();
            }
            throw new RuntimeException(Sys.KindOf(errno),
                $"seccomp: installing the filter ({_instructions.Length} instructions, flags {Flags}) failed: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SockFprog
{
    public ushort Len;
    public SockFilter* Filter;
}
