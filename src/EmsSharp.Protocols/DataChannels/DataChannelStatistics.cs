namespace EmsSharp.Protocols.DataChannels;

/// <summary>Counters of one <see cref="DataChannelManager"/>.</summary>
internal sealed class DataChannelStatistics
{
    /// <summary>Partial-PPID messages dropped for exceeding our max-message-size.</summary>
    public long OversizedMessagesDropped;

    /// <summary>DATA_CHANNEL_OPENs refused for exceeding <see cref="DataChannelManagerOptions.MaxPeerChannels"/>.</summary>
    public long PeerChannelsRefused;
}
