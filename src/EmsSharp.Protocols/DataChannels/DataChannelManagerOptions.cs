using EmsSharp.Protocols.Sctp;

namespace EmsSharp.Protocols.DataChannels;

/// <summary>Settings of a <see cref="DataChannelManager"/>.</summary>
public sealed class DataChannelManagerOptions
{
    /// <summary>Our DTLS role: the DTLS client uses even stream ids, the server odd ones (RFC 8832 §6).</summary>
    public required bool IsDtlsClient { get; init; }

    /// <summary>
    /// The peer's <c>a=max-message-size</c> (RFC 8841 §6): 65536 when the SDP has none, 0 = no limit.
    /// Chromium advertises 262144. Sends above it are refused.
    /// </summary>
    public int RemoteMaxMessageSize { get; init; } = 65536;

    /// <summary>
    /// Most channels the peer may have open at once (DATA_CHANNEL_OPEN); a further OPEN is refused by resetting
    /// its stream (RFC 8831 §6.7), counted and reported as <see cref="DataChannelEventKind.ChannelRefused"/>.
    /// </summary>
    public int MaxPeerChannels { get; init; } = 16;

    /// <summary>The SCTP association settings (ports, MTU, our max-message-size in <see cref="SctpAssociationOptions.MaxMessageSize"/>).</summary>
    public SctpAssociationOptions Association { get; init; } = new();
}
