using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Platform.NodeAgent.Instances;

/// <summary>The instances on this node, shared by the manager, the connector and the heartbeat.</summary>
internal sealed class LocalInstances
{
    private readonly ConcurrentDictionary<Guid, LocalInstance> _instances = new();

    public bool TryAdd(LocalInstance instance) => _instances.TryAdd(instance.Id, instance);

    public bool TryGet(Guid id, [NotNullWhen(true)] out LocalInstance? instance) => _instances.TryGetValue(id, out instance);

    public void Remove(LocalInstance instance) => _instances.TryRemove(new KeyValuePair<Guid, LocalInstance>(instance.Id, instance));

    public IReadOnlyList<LocalInstance> Snapshot() => _instances.Values.ToList();
}
