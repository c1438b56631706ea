namespace Platform.Runtime.Vmm;

/// <summary>
/// The speed probe's answer: whether KVM is hardware-fast, the median cost of one exit to the VMM and back (null
/// when nothing could be measured: no usable KVM, or the probe guest failed), how many exits were timed, and why,
/// in words.
/// </summary>
public sealed record KvmSpeedVerdict(bool IsHardware, double? ExitMicroseconds, int ExitsTimed, string Reason);
