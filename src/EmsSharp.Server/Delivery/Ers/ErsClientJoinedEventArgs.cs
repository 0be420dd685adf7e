namespace EmsSharp.Server.Delivery.Ers;

/// <summary>A browser joined the room (<c>clientJoined</c>, PROTOCOL.md §3.2).</summary>
/// <param name="id">The browser's peer id.</param>
/// <param name="streamName">The stream it asked for.</param>
/// <param name="transport"><c>fmp4</c> or <c>srtp</c> (as sent; empty when absent).</param>
/// <param name="offers">
/// The peer sends the offer and the EMS answers (ours, <c>"offers": true</c>): a WHEP player the ERS relays for, whose
/// offer comes next as a <c>message</c>; otherwise the EMS offers (PROTOCOL.md §3.3).
/// </param>
public sealed class ErsClientJoinedEventArgs(string id, string streamName, string transport, bool offers = false) : EventArgs
{
    /// <summary>The browser's peer id; address messages to it.</summary>
    public string Id { get; } = id;

    /// <summary>The stream name of its join.</summary>
    public string StreamName { get; } = streamName;

    /// <summary>The transport of its join: <c>fmp4</c> or <c>srtp</c>.</summary>
    public string Transport { get; } = transport;

    /// <summary>The peer offers and the EMS answers (a WHEP player through the ERS).</summary>
    public bool Offers { get; } = offers;
}
