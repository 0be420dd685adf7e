namespace EmsSharp.Protocols.Sctp;

/// <summary>How one message is sent: ordering and partial reliability (RFC 3758 PR-SCTP).</summary>
public readonly record struct SctpSendOptions
{
    /// <summary>Deliver without regard to stream order (DATA U bit).</summary>
    public bool Unordered { get; init; }

    /// <summary>Abandon the message after this many retransmissions (0 = never retransmit); null = reliable.</summary>
    public int? MaxRetransmits { get; init; }

    /// <summary>Abandon the message when not delivered within this time of being queued; null = reliable.</summary>
    public TimeSpan? Lifetime { get; init; }
}
