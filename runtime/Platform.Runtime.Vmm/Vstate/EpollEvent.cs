using System.Runtime.InteropServices;

namespace Platform.Runtime.Vmm.Vstate;

/// <summary>struct epoll_event, packed on x86-64: 4-byte events, then 8 bytes of user data (12 bytes).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct EpollEvent
{
    public uint Events;
    public ulong Data;
}
