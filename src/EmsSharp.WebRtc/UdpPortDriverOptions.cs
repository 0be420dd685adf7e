using System.Net;

namespace EmsSharp.WebRtc;

/// <summary>Settings of the single WebRTC UDP port.</summary>
public sealed record UdpPortDriverOptions
{
    /// <summary>Address to bind; <see cref="IPAddress.Any"/> by default. A specific address is the only candidate.</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Any;

    /// <summary>Port to bind; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Offer loopback host candidates too (tests on one machine).</summary>
    public bool IncludeLoopback { get; init; }

    /// <summary>Explicit candidate addresses (e.g. a public address behind 1:1 NAT); replaces enumeration.</summary>
    public IReadOnlyList<IPAddress>? CandidateAddresses { get; init; }
}
