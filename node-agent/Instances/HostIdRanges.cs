using Microsoft.Extensions.Options;

namespace Platform.NodeAgent.Instances;

/// <summary>
/// Hands each instance its own 65536 host uids/gids for its user namespace, from
/// <see cref="NodeAgentOptions.UserNamespaceHostId"/> up: container root of one instance is then a different
/// unprivileged host user from every other instance's, so a process that escaped one could not signal, trace
/// or read the files of another. A range is reused only after its instance is gone.
/// </summary>
internal sealed class HostIdRanges(IOptions<NodeAgentOptions> options)
{
    public const uint Size = 65536;

    private readonly long _base = options.Value.UserNamespaceHostId;
    private readonly SortedSet<int> _free = [];
    private int _next;

    /// <summary>The ranges that fit below 2^32 (a uid is 32 bits, and (uid_t)-1 is reserved).</summary>
    public int Capacity => (int)((uint.MaxValue - _base) / Size);

    /// <summary>The first host id of a free range.</summary>
    public uint Rent()
    {
        lock (_free)
        {
            int slot;
            if (_free.Count > 0)
            {
                slot = _free.Min;
                _free.Remove(slot);
            }
            else if (_next < Capacity)
            {
                slot = _next++;
            }
            else
            {
                throw new InstanceStartException($"no free user namespace range: all {Capacity} from host id {_base} are in use");
            }

            return (uint)(_base + (long)slot * Size);
        }
    }

    /// <summary>Marks a range as in use again: an adopted instance's, rented by the agent's previous run.</summary>
    public void Reserve(uint hostId)
    {
        lock (_free)
        {
            var slot = (int)((hostId - _base) / Size);
            while (_next <= slot)
            {
                _free.Add(_next++);
            }

            _free.Remove(slot);
        }
    }

    public void Return(uint hostId)
    {
        lock (_free)
        {
            _free.Add((int)((hostId - _base) / Size));
        }
    }
}
