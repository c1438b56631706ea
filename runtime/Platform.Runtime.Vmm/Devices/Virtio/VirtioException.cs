namespace Platform.Runtime.Vmm.Devices.Virtio;

/// <summary>
/// The guest broke the virtio contract. Thrown by <see cref="Virtqueue"/> and device request parsing; the
/// transport catches it around every device call and puts the device in the needs-reset state.
/// </summary>
public sealed class VirtioException : Exception
{
    public VirtioException(VirtioError error, string message)
        : base(message)
    {
        Error = error;
    }

    public VirtioError Error { get; }
}
