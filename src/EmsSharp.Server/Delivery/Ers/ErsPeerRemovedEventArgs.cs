namespace EmsSharp.Server.Delivery.Ers;

/// <summary>A peer left the room or dropped (<c>remove</c>, PROTOCOL.md §3.2).</summary>
/// <param name="id">The peer id that left.</param>
public sealed class ErsPeerRemovedEventArgs(string id) : EventArgs
{
    /// <summary>The peer id that left.</summary>
    public string Id { get; } = id;
}
