namespace EmsSharp.WebRtc.Tests;

/// <summary>
/// Seeded impairments of an <see cref="InMemoryPeerNetwork"/>: each datagram of an impaired kind is dropped with
/// <see cref="LossRate"/>, otherwise delivered after <see cref="BaseDelay"/> plus a uniform share of
/// <see cref="Jitter"/> on <see cref="Time"/> (so datagrams sent within the jitter overtake each other).
/// </summary>
internal sealed record NetworkConditions
{
    /// <summary>Clock the delays run on (the test's fake clock).</summary>
    public required TimeProvider Time { get; init; }

    /// <summary>Seed of the loss and delay draws.</summary>
    public int Seed { get; init; }

    /// <summary>Probability of dropping a datagram of a kind in <see cref="ImpairedKinds"/>.</summary>
    public double LossRate { get; init; }

    /// <summary>Fixed one-way delay; must be positive.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Extra random delay, uniform in [0, Jitter), for kinds in <see cref="ImpairedKinds"/>.</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>
    /// Kinds subject to loss, delay and jitter (reordering); the others are delivered at once, in order.
    /// DTLS is spared by default: BouncyCastle runs its handshake on real-time timers, and with DTLS
    /// datagrams delayed on the fake clock the handshake stalled until it timed out in about 1 run in 9
    /// (cause not found yet). STUN (fake-time retransmissions) and SRTP/SRTCP are impaired.
    /// </summary>
    public IReadOnlySet<PacketKind> ImpairedKinds { get; init; } =
        new HashSet<PacketKind> { PacketKind.Stun, PacketKind.RtpOrRtcp };

    public bool Impairs(PacketKind kind) => ImpairedKinds.Contains(kind);
}
