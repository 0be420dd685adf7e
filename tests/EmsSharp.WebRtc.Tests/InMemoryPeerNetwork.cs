using System.Net;
using EmsSharp.Protocols.Ice;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmsSharp.WebRtc.Tests;

/// <summary>Sessions on distinct in-memory addresses; a send is delivered at once to the session at the destination.</summary>
internal sealed class InMemoryPeerNetwork
{
    private readonly Dictionary<IPEndPoint, Host> _hosts = [];

    public int Delivered;

    public PeerSession CreateSession(IPEndPoint address, PeerSessionOptions options, TimeProvider time)
    {
        var host = new Host(this, address);
        lock (_hosts)
        {
            _hosts[address] = host;
        }

        host.Session = new PeerSession(host, options, time, NullLogger.Instance);
        return host.Session;
    }

    private void Deliver(ReadOnlySpan<byte> datagram, IPEndPoint from, IPEndPoint to)
    {
        Host? host;
        lock (_hosts)
        {
            _hosts.TryGetValue(to, out host);
        }

        if (host?.Session is { } session)
        {
            Interlocked.Increment(ref Delivered);
            session.DeliverDatagram(datagram, from);
        }
    }

    private sealed class Host(InMemoryPeerNetwork network, IPEndPoint address) : IPeerSessionHost
    {
        public PeerSession? Session { get; set; }

        public IReadOnlyList<IceCandidate> HostCandidates { get; } =
        [
            new IceCandidate("h0", 1, IceCandidate.ComputePriority(IceCandidateType.Host, 65535, 1),
                address.Address.ToString(), address.Port, IceCandidateType.Host),
        ];

        public void Send(ReadOnlySpan<byte> datagram, IPEndPoint destination) =>
            network.Deliver(datagram, address, destination);

        public void Route(IPEndPoint remote, PeerSession session)
        {
        }

        public void Detach(PeerSession session)
        {
        }
    }
}
