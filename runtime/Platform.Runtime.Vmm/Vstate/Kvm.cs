using Platform.Runtime.Vmm.Vstate.Abi;

namespace Platform.Runtime.Vmm.Vstate;

/// <summary>
/// The /dev/kvm system fd: checks the API version and every capability the VMM relies on up front, so a host
/// that cannot run our VMs says exactly why before anything is built.
/// </summary>
public sealed unsafe class Kvm : IDisposable
{
    public const string DefaultPath = "/dev/kvm";
    public const int ApiVersion = 12;

    private static readonly KvmCap[] Required =
    [
        KvmCap.UserMemory, KvmCap.SetTssAddr, KvmCap.SetIdentityMapAddr, KvmCap.ExtCpuid, KvmCap.Irqchip,
        KvmCap.Pit2, KvmCap.Irqfd, KvmCap.Ioeventfd, KvmCap.MpState, KvmCap.ImmediateExit,
    ];

    private int _fd;

    private Kvm(int fd) => _fd = fd;

    internal int Fd => _fd >= 0 ? _fd : throw new ObjectDisposedException(nameof(Kvm));

    /// <summary>Opens KVM and checks it; throws <see cref="VmmException"/> with <see cref="VmmError.KvmUnavailable"/> or <see cref="VmmError.KvmUnsupported"/>.</summary>
    public static Kvm Open(string path = DefaultPath)
    {
        int fd = Native.Open(path, Native.O_RDWR_CLOEXEC);
        if (fd < 0)
        {
            int errno = Native.Errno;
            string why = errno == Native.ENOENT
                ? $"{path} does not exist: this host offers no KVM (no hardware virtualization, or the kvm module is not loaded)"
                : $"cannot open {path}: {Native.Describe(errno)}";
            throw new VmmException(VmmError.KvmUnavailable, why, errno);
        }
        var kvm = new Kvm(fd);
        try
        {
            int version = Native.Ioctl(fd, KvmIoctls.GetApiVersion, 0);
            if (version != ApiVersion)
            {
                throw new VmmException(VmmError.KvmUnsupported, $"KVM API version is {version}, this VMM needs {ApiVersion}");
            }
            foreach (KvmCap cap in Required)
            {
                if (kvm.CheckExtension(cap) <= 0)
                {
                    throw new VmmException(VmmError.KvmUnsupported, $"KVM lacks a required capability: KVM_CAP_{cap} ({(int)cap})");
                }
            }
            return kvm;
        }
        catch
        {
            kvm.Dispose();
            throw;
        }
    }

    public int CheckExtension(KvmCap cap) => Native.Ioctl(Fd, KvmIoctls.CheckExtension, (ulong)cap);

    /// <summary>The most vCPUs one VM may have on this host.</summary>
    public int MaxVcpus
    {
        get
        {
            int max = CheckExtension(KvmCap.MaxVcpus);
            return max > 0 ? max : CheckExtension(KvmCap.NrVcpus);
        }
    }

    internal int VcpuMmapSize => Check(Native.Ioctl(Fd, KvmIoctls.GetVcpuMmapSize, 0), "KVM_GET_VCPU_MMAP_SIZE");

    /// <summary>KVM_GET_SUPPORTED_CPUID, growing the buffer until the host's list fits.</summary>
    public KvmCpuidEntry2[] SupportedCpuid()
    {
        const int E2BIG = 7;
        for (int capacity = 128; capacity <= 4096; capacity *= 2)
        {
            byte[] buffer = new byte[8 + capacity * sizeof(KvmCpuidEntry2)];
            fixed (byte* p = buffer)
            {
                *(uint*)p = (uint)capacity;
                if (Native.Ioctl(Fd, KvmIoctls.GetSupportedCpuid, p) == 0)
                {
                    uint count = *(uint*)p;
                    return new ReadOnlySpan<KvmCpuidEntry2>(p + 8, (int)count).ToArray();
                }
                int errno = Native.Errno;
                if (errno != E2BIG)
                {
                    throw Failed("KVM_GET_SUPPORTED_CPUID", errno);
                }
            }
        }
        throw new VmmException(VmmError.KvmCallFailed, "KVM_GET_SUPPORTED_CPUID returned more than 4096 entries");
    }

    /// <summary>KVM_GET_MSR_INDEX_LIST: the MSRs KVM saves and restores for a vCPU.</summary>
    public uint[] MsrIndexList()
    {
        const int E2BIG = 7;
        for (int capacity = 256; capacity <= 16384; capacity *= 2)
        {
            uint[] buffer = new uint[1 + capacity];
            buffer[0] = (uint)capacity;
            fixed (uint* p = buffer)
            {
                if (Native.Ioctl(Fd, KvmIoctls.GetMsrIndexList, p) == 0)
                {
                    return buffer.AsSpan(1, (int)p[0]).ToArray();
                }
                int errno = Native.Errno;
                if (errno != E2BIG)
                {
                    throw Failed("KVM_GET_MSR_INDEX_LIST", errno);
                }
            }
        }
        throw new VmmException(VmmError.KvmCallFailed, "KVM_GET_MSR_INDEX_LIST returned more than 16384 entries");
    }

    internal static int Check(int rc, string call) => rc >= 0 ? rc : throw Failed(call, Native.Errno);

    internal static VmmException Failed(string call, int errno) =>
        new(VmmError.KvmCallFailed, $"{call} failed: {Native.Describe(errno)} (errno {errno})", errno);

    public void Dispose()
    {
        Native.Close(_fd);
        _fd = -1;
    }
}
