using System.Net;

namespace EmsSharp.Protocols.Net;

/// <summary>
/// One connection's place in its listener's <see cref="ConnectionSlots"/>: unproven (evictable) until
/// <see cref="MarkProven"/>; disposing it gives the slot back (once; an evicted slot is given back already).
/// </summary>
public sealed class ConnectionSlot : IDisposable
{
    private readonly ConnectionSlots _owner;

    // Never disposed: an eviction cancels it from the admitting thread, possibly while the connection ends and disposes
    // its slot; a source with no timer holds nothing that needs freeing.
    private readonly CancellationTokenSource _evicted = new();

    internal ConnectionSlot(ConnectionSlots owner, IPAddress address)
    {
        _owner = owner;
        Address = address;
    }

    /// <summary>The remote address the slot counts against.</summary>
    public IPAddress Address { get; }

    /// <summary>Cancelled when the slot is taken by a newer connection: the connection should close at once.</summary>
    public CancellationToken Evicted => _evicted.Token;

    // Its node in the owner's eviction order while unproven and held (guarded by the owner's lock).
    internal LinkedListNode<ConnectionSlot>? Unproven { get; set; }

    // Whether the slot still counts (guarded by the owner's lock).
    internal bool Held { get; set; } = true;

    /// <summary>The connection did something useful (a command, a publication): it is never evicted from now on.</summary>
    public void MarkProven() => _owner.Prove(this);

    /// <summary>Gives the slot back.</summary>
    public void Dispose() => _owner.Release(this);

    internal void Evict() => _evicted.Cancel();
}
