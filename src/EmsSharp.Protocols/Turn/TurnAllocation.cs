using System.Net;

namespace EmsSharp.Protocols.Turn;

/// <summary>One allocation (RFC 8656 §2.2): its 5-tuple, relayed address, credentials, permissions and channels.</summary>
internal sealed class TurnAllocation(TurnFiveTuple client, IPEndPoint relay, string username, TurnRateLimiter rate)
{
    /// <summary>RFC 8656 §9: a permission lasts 300 seconds unless refreshed.</summary>
    public static readonly TimeSpan PermissionLifetime = TimeSpan.FromSeconds(300);

    public TurnFiveTuple Client { get; } = client;

    public IPEndPoint Relay { get; } = relay;

    /// <summary>RFC 8656 §7.2: later requests on the allocation must use this username (else 441).</summary>
    public string Username { get; } = username;

    public TurnRateLimiter Rate { get; } = rate;

    public TimeSpan Expires { get; set; }

    /// <summary>The Allocate transaction id and its success response, resent to a retransmission (RFC 8656 §7.2).</summary>
    public byte[] CreateTransactionId { get; set; } = [];

    public byte[] CreateResponse { get; set; } = [];

    /// <summary>Permissions by peer IP (RFC 8656 §9: the port is ignored) and their expiry.</summary>
    public Dictionary<IPAddress, TimeSpan> Permissions { get; } = [];

    public Dictionary<ushort, TurnChannel> ChannelsByNumber { get; } = [];

    public Dictionary<IPEndPoint, TurnChannel> ChannelsByPeer { get; } = [];

    public bool HasPermission(IPAddress peer, TimeSpan now) => Permissions.TryGetValue(peer, out TimeSpan expires) && now < expires;

    /// <summary>Forgets expired permissions and channels past their quarantine.</summary>
    public void Sweep(TimeSpan now)
    {
        foreach (var (peer, expires) in Permissions)
        {
            if (now >= expires)
            {
                Permissions.Remove(peer);
            }
        }

        foreach (var (number, channel) in ChannelsByNumber)
        {
            if (channel.IsGone(now))
            {
                ChannelsByNumber.Remove(number);
                ChannelsByPeer.Remove(channel.Peer);
            }
        }
    }
}
