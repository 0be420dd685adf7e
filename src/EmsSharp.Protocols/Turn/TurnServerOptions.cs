namespace EmsSharp.Protocols.Turn;

/// <summary>Settings of a <see cref="TurnServer"/> core.</summary>
public sealed class TurnServerOptions
{
    /// <summary>The REALM of the long-term credentials (RFC 8489 §14.9).</summary>
    public string Realm { get; init; } = "emssharp";

    /// <summary>Allocation lifetime when the client asks for less or nothing (RFC 8656 §7.2: 10 minutes).</summary>
    public TimeSpan DefaultLifetime { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>Longest allocation lifetime granted (RFC 8656 §7.2 suggests 1 hour).</summary>
    public TimeSpan MaxLifetime { get; init; } = TimeSpan.FromSeconds(3600);

    /// <summary>How long a NONCE stays valid before requests with it get 438 (RFC 8489 §9.2.4).</summary>
    public TimeSpan NonceLifetime { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>Allocations one username may hold (486 beyond).</summary>
    public int MaxAllocationsPerUser { get; init; } = 10;

    /// <summary>Allocations one client IP may hold (486 beyond).</summary>
    public int MaxAllocationsPerIp { get; init; } = 50;

    /// <summary>Allocations the server holds in all (508 beyond).</summary>
    public int MaxAllocations { get; init; } = 1000;

    /// <summary>Permissions one allocation may hold (508 beyond).</summary>
    public int MaxPermissionsPerAllocation { get; init; } = 64;

    /// <summary>Sustained relayed bytes per second per allocation, both directions together.</summary>
    public double RelayBytesPerSecond { get; init; } = 2_500_000;

    /// <summary>Relayed bytes one allocation may send in a burst.</summary>
    public double RelayBurstBytes { get; init; } = 1_000_000;

    /// <summary>Sustained relayed packets per second per allocation, both directions together.</summary>
    public double RelayPacketsPerSecond { get; init; } = 5000;

    /// <summary>Relayed packets one allocation may send in a burst.</summary>
    public double RelayBurstPackets { get; init; } = 2500;
}
