namespace EmsSharp.Protocols.DataChannels;

/// <summary>What a <see cref="DataChannelEvent"/> reports.</summary>
public enum DataChannelEventKind
{
    /// <summary>The SCTP association is up; channels may open.</summary>
    Connected,
    /// <summary>The peer opened a channel with DATA_CHANNEL_OPEN (RTCPeerConnection.ondatachannel); it is open.</summary>
    ChannelOpenedByPeer,
    /// <summary>A DATA_CHANNEL_OPEN over <see cref="DataChannelManagerOptions.MaxPeerChannels"/> was refused; see <see cref="DataChannelEvent.Reason"/>.</summary>
    ChannelRefused,
    /// <summary>A channel we opened is now open (ACK received, or negotiated channel ready).</summary>
    ChannelOpen,
    /// <summary>A message arrived on <see cref="DataChannelEvent.Channel"/>.</summary>
    Message,
    /// <summary>The buffered amount of the channel fell to or below its low-water mark.</summary>
    BufferedAmountLow,
    /// <summary>The channel is closed (both directions of its stream reset, or the association ended).</summary>
    ChannelClosed,
    /// <summary>The association ended (gracefully or by abort); see <see cref="DataChannelEvent.Reason"/>.</summary>
    Disconnected,
}
