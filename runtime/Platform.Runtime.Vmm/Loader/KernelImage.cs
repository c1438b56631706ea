namespace Platform.Runtime.Vmm.Loader;

/// <summary>
/// A kernel placed in guest memory: where to enter it in 64-bit mode, where its image ends (an initrd must go
/// above), the setup header to copy into boot_params (empty for ELF) and the highest address an initrd may use.
/// </summary>
public sealed record KernelImage(ulong Entry, ulong End, byte[] SetupHeader, ulong InitrdAddrMax, int CmdlineMax);
