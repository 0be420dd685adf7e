using System.Net;

namespace EmsSharp.Protocols.Turn;

/// <summary>
/// A channel binding (RFC 8656 §12): relays while <c>now &lt; Expires</c>; after that it still holds its
/// number and peer for 5 minutes so neither is rebound to something else.
/// </summary>
internal sealed class TurnChannel(ushort number, IPEndPoint peer)
{
    /// <summary>RFC 8656 §12: a channel binding lasts 10 minutes unless refreshed.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>RFC 8656 §12: an expired binding's number and peer stay reserved for 5 minutes.</summary>
    public static readonly TimeSpan Quarantine = TimeSpan.FromMinutes(5);

    public ushort Number { get; } = number;

    public IPEndPoint Peer { get; } = peer;

    public TimeSpan Expires { get; set; }

    public bool IsActive(TimeSpan now) => now < Expires;

    public bool IsGone(TimeSpan now) => now >= Expires + Quarantine;
}
