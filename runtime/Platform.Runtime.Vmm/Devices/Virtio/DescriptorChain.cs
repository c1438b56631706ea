namespace Platform.Runtime.Vmm.Devices.Virtio;

/// <summary>
/// A chain popped from a <see cref="Virtqueue"/>: its head index (what goes back in the used ring) and its
/// validated descriptors. The descriptors live in the queue's scratch buffer, valid until the next pop on that
/// queue: a device that keeps a request longer copies what it needs.
/// </summary>
public readonly ref struct DescriptorChain
{
    public DescriptorChain(ushort head, ReadOnlySpan<Descriptor> descriptors)
    {
        Head = head;
        Descriptors = descriptors;
    }

    public ushort Head { get; }

    public ReadOnlySpan<Descriptor> Descriptors { get; }
}
