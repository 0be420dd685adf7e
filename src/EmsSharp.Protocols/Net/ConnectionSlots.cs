using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace EmsSharp.Protocols.Net;

/// <summary>
/// The slots of a listener whose clients prove themselves (a CLI client sends a command, an ingest client publishes):
/// capped per remote address and in all. When every slot is held, a new connection takes the slot of the oldest
/// connection that has not proven itself yet, which is evicted (its <see cref="ConnectionSlot.Evicted"/> token is
/// cancelled), so clients spread over many addresses cannot hold a listener with connections that do nothing until
/// their timeouts. A proven connection is never evicted; with none unproven, the new connection is refused. The
/// per-address cap is never lifted by eviction. Evictions are reported at most once per <see cref="LogThrottle.Interval"/>.
/// </summary>
/// <param name="maxConnections">Slots of the listener.</param>
/// <param name="maxPerAddress">Slots one remote address may hold.</param>
/// <param name="time">The clock of the report throttle.</param>
/// <param name="report">
/// Called for an eviction when a report is due: the evicted connection's address and how many were evicted since the
/// previous report (this one included).
/// </param>
public sealed class ConnectionSlots(int maxConnections, int maxPerAddress, TimeProvider time, Action<IPAddress, long> report)
{
    private readonly Lock _lock = new();
    private readonly AddressSlots _counts = new(maxPerAddress, maxConnections);
    private readonly LinkedList<ConnectionSlot> _unproven = new(); // oldest first
    private readonly LogThrottle _evictions = new(time);

    /// <summary>
    /// Takes a slot for a connection from <paramref name="address"/>, evicting the oldest unproven connection when
    /// the listener is full; false (with the cap that refused it) when the address holds its share already or no held
    /// connection may be evicted. The caller disposes the slot when the connection ends.
    /// </summary>
    public bool TryTake(IPAddress address, [NotNullWhen(true)] out ConnectionSlot? slot, out AddressSlotRefusal refusal)
    {
        ConnectionSlot? evicted = null;
        lock (_lock)
        {
            if (!_counts.TryTake(address, out refusal))
            {
                if (refusal != AddressSlotRefusal.Total || _unproven.First is not { } oldest)
                {
                    slot = null;
                    return false;
                }

                evicted = oldest.Value;
                Free(evicted);
                var taken = _counts.TryTake(address, out refusal);
                Debug.Assert(taken, "the address had room (its cap is checked first) and the eviction freed one in all");
            }

            slot = new ConnectionSlot(this, address);
            slot.Unproven = _unproven.AddLast(slot);
        }

        if (evicted is not null)
        {
            evicted.Evict();
            if (_evictions.TryEnter(out var count))
            {
                report(evicted.Address, count);
            }
        }

        return true;
    }

    internal void Prove(ConnectionSlot slot)
    {
        lock (_lock)
        {
            if (slot.Unproven is { } node)
            {
                _unproven.Remove(node);
                slot.Unproven = null;
            }
        }
    }

    internal void Release(ConnectionSlot slot)
    {
        lock (_lock)
        {
            if (slot.Held)
            {
                Free(slot);
            }
        }
    }

    private void Free(ConnectionSlot slot)
    {
        slot.Held = false;
        if (slot.Unproven is { } node)
        {
            _unproven.Remove(node);
            slot.Unproven = null;
        }

        _counts.Release(slot.Address);
    }
}
