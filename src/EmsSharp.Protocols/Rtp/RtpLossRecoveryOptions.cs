namespace EmsSharp.Protocols.Rtp;

/// <summary>The bounds of an <see cref="RtpLossRecovery"/>: how many packets it holds, how often and how long it asks.</summary>
public sealed class RtpLossRecoveryOptions
{
    /// <summary>
    /// Packets the window spans, from the oldest one not yet released to the newest received (a power of two): a
    /// keyframe of a few hundred packets fits. A packet further ahead gives up on everything older.
    /// </summary>
    public int MaxPackets { get; init; } = 512;

    /// <summary>NACKs sent for one missing packet at most (libwebrtc asks up to 10 times; a few are enough for a publisher).</summary>
    public int MaxNacksPerPacket { get; init; } = 3;

    /// <summary>
    /// The round-trip time assumed until a retransmission measured one: the spacing of a packet's repeated NACKs, as
    /// libwebrtc starts with 100 ms.
    /// </summary>
    public TimeSpan InitialRoundTrip { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The shortest spacing of a packet's repeated NACKs, however short the measured round trip.</summary>
    public TimeSpan MinNackInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>The longest a missing packet holds the packets after it back: then it is given up on.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Largest packet held (a WebRTC packet fits a path MTU).</summary>
    public int MaxPacketLength { get; init; } = 2048;
}
