namespace EmsSharp.Protocols.DataChannels;

/// <summary>How a data channel is opened (mirrors RTCDataChannelInit).</summary>
public sealed record DataChannelOptions
{
    /// <summary>Deliver in order (default) or not.</summary>
    public bool Ordered { get; init; } = true;

    /// <summary>Partial reliability by retransmission count (0 = send once); exclusive with <see cref="MaxPacketLifeTime"/>.</summary>
    public int? MaxRetransmits { get; init; }

    /// <summary>Partial reliability by lifetime; exclusive with <see cref="MaxRetransmits"/>.</summary>
    public TimeSpan? MaxPacketLifeTime { get; init; }

    /// <summary>Sub-protocol name sent in DATA_CHANNEL_OPEN.</summary>
    public string Protocol { get; init; } = "";

    /// <summary>DCEP priority (RFC 8832 §5.1; 256 = normal).</summary>
    public ushort Priority { get; init; } = 256;

    /// <summary>Pre-negotiated by the application: no DCEP, both sides create the channel with the same <see cref="Id"/>.</summary>
    public bool Negotiated { get; init; }

    /// <summary>The stream id of a negotiated channel.</summary>
    public ushort? Id { get; init; }
}
