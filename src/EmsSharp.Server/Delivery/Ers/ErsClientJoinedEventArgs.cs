namespace EmsSharp.Server.Delivery.Ers;

/// <summary>A browser joined the room (<c>clientJoined</c>, PROTOCOL.md §3.2).</summary>
/// <param name="id">The browser's peer id.</param>
/// <param name="streamName">The stream it asked for.</param>
/// <param name="transport"><c>fmp4</c> or <c>srtp</c> (as sent; empty when absent).</param>
public sealed class ErsClientJoinedEventArgs(string id, string streamName, string transport) : EventArgs
{
    /// <summary>The browser's peer id; address messages to it.</summary>
    public string Id { get; } = id;

    /// <summary>The stream name of its join.</summary>
    public string StreamName { get; } = streamName;

    /// <summary>The transport of its join: <c>fmp4</c> or <c>srtp</c>.</summary>
    public string Transport { get; } = transport;
}
