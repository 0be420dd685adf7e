namespace EmsSharp.Protocols.DataChannels;

/// <summary>Data channel ready states (as RTCDataChannel.readyState).</summary>
public enum DataChannelState
{
    /// <summary>Opening: DATA_CHANNEL_OPEN sent (or association not up yet).</summary>
    Connecting,
    /// <summary>Messages may be sent.</summary>
    Open,
    /// <summary>Stream reset in progress.</summary>
    Closing,
    /// <summary>Both directions of the stream are reset.</summary>
    Closed,
}
