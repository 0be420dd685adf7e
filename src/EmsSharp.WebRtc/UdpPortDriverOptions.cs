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

    /// <summary>
    /// The ICE-TCP port (RFC 6544 passive candidates): browsers whose UDP is blocked reach the server over TCP without a
    /// relay. Null turns ICE-TCP off; 0 picks a free port.
    /// </summary>
    public int? TcpPort { get; init; }

    /// <summary>ICE-TCP connections one remote address may hold (each costs a socket and buffers).</summary>
    public int MaxTcpConnectionsPerAddress { get; init; } = 32;

    /// <summary>ICE-TCP connections in all.</summary>
    public int MaxTcpConnections { get; init; } = 4096;

    /// <summary>Explicit candidate addresses (e.g. a public address behind 1:1 NAT); replaces enumeration.</summary>
    public IReadOnlyList<IPAddress>? CandidateAddresses { get; init; }

    /// <summary>
    /// How batches of datagrams to one peer (a video frame's packets) are sent: <see cref="UdpBatchMode.Auto"/> (one
    /// system call per batch where the OS allows, UDP GSO included), <see cref="UdpBatchMode.Sendmmsg"/> (no GSO) or
    /// <see cref="UdpBatchMode.Off"/> (one call per datagram).
    /// </summary>
    public UdpBatchMode BatchedSends { get; init; }

    /// <summary>
    /// Take every datagram already queued with one <c>recvmmsg(2)</c> call on 64-bit Linux (the default); false, or
    /// elsewhere, one <c>recvfrom</c> per datagram.
    /// </summary>
    public bool BatchedReceives { get; init; } = true;

    /// <summary>
    /// Session workers: loops that each own many sessions and run their ICE, DTLS and SCTP (mediasoup's model). 0, the
    /// default, means one per processor.
    /// </summary>
    public int Workers { get; init; }
}
