using System.Net;

namespace EmsSharp.Rendezvous.Configuration;

/// <summary>
/// The <c>turn</c> section (ours): the STUN/TURN server bundled in the ERS (RFC 8489, RFC 8656 UDP relays).
/// When <c>stunservers</c> and <c>turnservers</c> are both empty, every client is handed this server with
/// credentials minted for its socket.
/// </summary>
public sealed class ErsTurnOptions
{
    /// <summary>Run the STUN/TURN server.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>UDP and TCP port of STUN/TURN; 0 picks a free one (tests).</summary>
    public int Port { get; set; } = 3478;

    /// <summary>TURN over TLS port, used when <c>server.secure</c> is set (same certificate as signalling); 0 picks a free one.</summary>
    public int TlsPort { get; set; } = 5349;

    /// <summary>Address the STUN/TURN listeners and relay sockets bind; null uses <c>server.bindIP</c>.</summary>
    public string? BindIP { get; set; }

    /// <summary>REALM of the long-term credentials.</summary>
    public string Realm { get; set; } = "emssharp";

    /// <summary>
    /// Shared secret of the TURN REST credentials; null draws a random one at each start (credentials
    /// handed out before a restart then stop working, and clients reconnect for new ones).
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>
    /// Public address to advertise (relayed addresses and handed-out URLs) when the ERS sits behind a 1:1
    /// NAT; null advertises the local address each client reached.
    /// </summary>
    public string? ExternalAddress { get; set; }

    /// <summary>Lowest UDP port of the relay sockets.</summary>
    public int RelayPortMin { get; set; } = 49152;

    /// <summary>Highest UDP port of the relay sockets.</summary>
    public int RelayPortMax { get; set; } = 65535;

    /// <summary>
    /// CIDR ranges relays may always reach, even loopback or private ones (e.g. <c>"127.0.0.0/8"</c> for a test);
    /// they win over everything else.
    /// </summary>
    public List<string> AllowedPeerRanges { get; set; } = [];

    /// <summary>CIDR ranges relays may never reach (besides loopback, link-local, multicast and private ranges off our subnets).</summary>
    public List<string> DeniedPeerRanges { get; set; } = [];

    /// <summary>Allocations one username (one socket) may hold.</summary>
    public int MaxAllocationsPerUser { get; set; } = 10;

    /// <summary>Allocations one client IP may hold.</summary>
    public int MaxAllocationsPerIp { get; set; } = 50;

    /// <summary>Allocations in all.</summary>
    public int MaxAllocations { get; set; } = 1000;

    /// <summary>Lifetime of handed-out credentials, seconds.</summary>
    public int CredentialLifetimeSeconds { get; set; } = 86400;

    /// <summary>Allocation lifetime when a client asks for less or nothing, seconds (RFC 8656 §7.2).</summary>
    public int DefaultLifetimeSeconds { get; set; } = 600;

    /// <summary>Longest allocation lifetime granted, seconds.</summary>
    public int MaxLifetimeSeconds { get; set; } = 3600;

    /// <summary>Sustained relayed bytes per second per allocation (a flood beyond is dropped and counted).</summary>
    public double RelayBytesPerSecond { get; set; } = 2_500_000;

    /// <summary>Open TCP/TLS connections per client IP.</summary>
    public int MaxConnectionsPerIp { get; set; } = 64;

    /// <summary>Seconds a TCP/TLS connection may stay silent before it is closed (with its allocation).</summary>
    public int IdleTimeoutSeconds { get; set; } = 300;

    internal void Validate()
    {
        Check(Port is >= 0 and <= 65535, $"turn.port must be 0..65535, got {Port}");
        Check(TlsPort is >= 0 and <= 65535, $"turn.tlsPort must be 0..65535, got {TlsPort}");
        Check(BindIP is null || IPAddress.TryParse(BindIP, out _), $"turn.bindIP is not an IP address: {BindIP}");
        Check(ExternalAddress is null || IPAddress.TryParse(ExternalAddress, out _), $"turn.externalAddress is not an IP address: {ExternalAddress}");
        Check(!string.IsNullOrEmpty(Realm), "turn.realm must not be empty");
        Check(Secret is null || Secret.Length > 0, "turn.secret must not be empty (null draws a random one)");
        Check(RelayPortMin is >= 1 and <= 65535 && RelayPortMax is >= 1 and <= 65535 && RelayPortMin <= RelayPortMax,
            $"turn.relayPortMin..relayPortMax must be a range within 1..65535, got {RelayPortMin}..{RelayPortMax}");
        foreach (string range in AllowedPeerRanges.Concat(DeniedPeerRanges))
        {
            Check(IPNetwork.TryParse(range, out _), $"turn: peer range is not CIDR (a.b.c.d/n or x::/n): {range}");
        }

        Check(MaxAllocationsPerUser >= 1 && MaxAllocationsPerIp >= 1 && MaxAllocations >= 1,
            "turn.maxAllocationsPerUser, maxAllocationsPerIp and maxAllocations must be >= 1");
        Check(CredentialLifetimeSeconds >= 60, "turn.credentialLifetimeSeconds must be >= 60");
        Check(DefaultLifetimeSeconds >= 60 && MaxLifetimeSeconds >= DefaultLifetimeSeconds,
            "turn.defaultLifetimeSeconds must be >= 60 and <= maxLifetimeSeconds");
        Check(RelayBytesPerSecond >= 10_000, "turn.relayBytesPerSecond must be >= 10000");
        Check(MaxConnectionsPerIp >= 1 && IdleTimeoutSeconds >= 10, "turn.maxConnectionsPerIp must be >= 1 and idleTimeoutSeconds >= 10");
    }

    private static void Check(bool ok, string message)
    {
        if (!ok)
        {
            throw new InvalidDataException(message);
        }
    }
}
