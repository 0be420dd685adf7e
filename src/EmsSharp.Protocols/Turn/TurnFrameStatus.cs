namespace EmsSharp.Protocols.Turn;

/// <summary>What the start of a TURN stream buffer holds (<see cref="TurnStreamFraming.TryGetFrameLength"/>).</summary>
public enum TurnFrameStatus
{
    /// <summary>Not enough bytes yet to know the frame's length.</summary>
    NeedMore,

    /// <summary>The frame's length is known.</summary>
    Complete,

    /// <summary>Not STUN or ChannelData, or a declared length over the maximum: close the connection.</summary>
    Invalid,
}
