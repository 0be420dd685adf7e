using System.Net;
using EmsSharp.Protocols.Ice;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmsSharp.WebRtc.Tests;

/// <summary>
/// Sessions on distinct in-memory addresses. Without <see cref="NetworkConditions"/> a send is delivered at once;
/// with them, datagrams are dropped, delayed and reordered (seeded) on the conditions' clock. A session can sit
/// behind a simulated NAT.
/// </summary>
internal sealed class InMemoryPeerNetwork(NetworkConditions? conditions = null)
{
    private readonly Dictionary<IPEndPoint, Host> _hosts = [];
    private readonly Dictionary<IPEndPoint, Nat> _nats = [];
    private readonly Dictionary<IPEndPoint, Relay> _relays = [];
    private readonly HashSet<IPEndPoint> _blocked = [];
    private readonly HashSet<PendingDatagram> _inFlight = [];
    private readonly Random _random = new(conditions?.Seed ?? 0);

    // Two workers per clock, as on a 2-core machine: sessions of one test share loops, as in the server.
    private readonly Dictionary<TimeProvider, SessionWorkerPool> _workers = [];

    public int Delivered;
    public readonly int[] DeliveredByKind = new int[4];
    public int Dropped;
    public int NatRejected;

    /// <summary>DTLS datagrams any session sent (whether delivered or not).</summary>
    public int DtlsSent;

    /// <summary>Raised with the sender's address for each datagram a session sends, before the network handles it.</summary>
    public event Action<IPEndPoint>? Sending;

    /// <summary>Whether to drop the DTLS datagram with this index (0 = the first DTLS datagram sent on the network).</summary>
    public Func<int, bool>? DropsDtls { get; set; }

    /// <summary>Drops every DTLS datagram: ICE connects, DTLS never completes.</summary>
    public bool DropDtls { get; set; }

    /// <summary>Creates a session at <paramref name="address"/>, behind a NAT mapped to <paramref name="natPublic"/> if set.</summary>
    public PeerSession CreateSession(IPEndPoint address, PeerSessionOptions options, TimeProvider time,
        IPEndPoint? natPublic = null)
    {
        var host = new Host(this, address);
        lock (_hosts)
        {
            _hosts[address] = host;
            if (natPublic is not null)
            {
                var nat = new Nat(address, natPublic);
                _nats[address] = nat;
                _nats[natPublic] = nat;
            }
        }

        SessionWorkerPool workers;
        lock (_workers)
        {
            if (!_workers.TryGetValue(time, out workers!))
            {
                _workers[time] = workers = new SessionWorkerPool(2, time, NullLogger.Instance);
            }
        }

        host.Session = new PeerSession(host, workers.Next(), options, NullLogger.Instance);
        return host.Session;
    }

    /// <summary>Nothing leaves or reaches <paramref name="address"/> directly (a network that blocks the host's UDP).</summary>
    public void Block(IPEndPoint address)
    {
        lock (_hosts)
        {
            _blocked.Add(address);
        }
    }

    /// <summary>
    /// Gives <paramref name="session"/> a TURN-like relay at <paramref name="relayed"/>: a base whose datagrams leave from
    /// the relayed address and whose arrivals there come back on that base (the client-server leg is lossless, as over
    /// TCP; the relay-peer leg has the network's conditions). Returns the relayed candidate the session now offers.
    /// </summary>
    public IceCandidate AddRelay(PeerSession session, IPEndPoint relayed)
    {
        var relay = new Relay(this, relayed);
        var candidate = new IceCandidate("r0", 1, IceCandidate.ComputePriority(IceCandidateType.Relayed, 65535, 1),
            relayed.Address.ToString(), relayed.Port, IceCandidateType.Relayed, "0.0.0.0", 0);
        lock (_hosts)
        {
            _relays[relayed] = relay;
        }

        relay.Session = session;
        relay.Base = session.AddPath(relay, candidate, candidate.Priority, pairsWithSignalled: true);
        return candidate;
    }

    private void Send(ReadOnlySpan<byte> datagram, IPEndPoint from, IPEndPoint to)
    {
        Sending?.Invoke(from);
        if (PacketDemux.Classify(datagram) == PacketKind.Dtls)
        {
            var index = Interlocked.Increment(ref DtlsSent) - 1;
            if (DropDtls || DropsDtls?.Invoke(index) == true)
            {
                return;
            }
        }

        lock (_hosts)
        {
            if (_blocked.Contains(from))
            {
                Interlocked.Increment(ref NatRejected);
                return;
            }

            // Outbound through the NAT: rewrite the source and open the mapping to this destination.
            if (_nats.TryGetValue(from, out var nat) && nat.Inside.Equals(from))
            {
                nat.Permitted.Add(to);
                from = nat.Public;
            }
        }

        if (conditions is null || !conditions.Impairs(PacketDemux.Classify(datagram)))
        {
            // No conditions, or an unimpaired kind (DTLS): delivered at once, in order.
            Deliver(datagram, from, to);
            return;
        }

        TimeSpan delay;
        lock (_random)
        {
            if (_random.NextDouble() < conditions.LossRate)
            {
                Interlocked.Increment(ref Dropped);
                return;
            }

            delay = conditions.BaseDelay + (conditions.Jitter * _random.NextDouble());
        }

        var pending = new PendingDatagram(this, datagram.ToArray(), from, to);
        lock (_inFlight)
        {
            // In flight before its timer exists: creating a fake timer may fire it at once, on this thread, when another
            // thread advanced the clock meanwhile.
            _inFlight.Add(pending);
            pending.Timer = conditions.Time.CreateTimer(static s => ((PendingDatagram)s!).Fire(), pending, delay,
                Timeout.InfiniteTimeSpan);
        }
    }

    private void Deliver(ReadOnlySpan<byte> datagram, IPEndPoint from, IPEndPoint to)
    {
        Host? host;
        lock (_hosts)
        {
            if (_nats.TryGetValue(to, out var nat) && nat.Public.Equals(to))
            {
                // Port-restricted NAT: only sources the inside host has sent to get in.
                if (!nat.Permitted.Contains(from))
                {
                    Interlocked.Increment(ref NatRejected);
                    return;
                }

                to = nat.Inside;
            }
            else if (_nats.ContainsKey(to))
            {
                // The inside address is not routable from outside.
                Interlocked.Increment(ref NatRejected);
                return;
            }

            if (_relays.TryGetValue(to, out var relay))
            {
                Interlocked.Increment(ref Delivered);
                Interlocked.Increment(ref DeliveredByKind[(int)PacketDemux.Classify(datagram)]);
                relay.Session!.DeliverDatagram(datagram, from, relay.Base);
                return;
            }

            if (_blocked.Contains(to))
            {
                Interlocked.Increment(ref NatRejected);
                return;
            }

            _hosts.TryGetValue(to, out host);
        }

        if (host?.Session is { } session)
        {
            Interlocked.Increment(ref Delivered);
            Interlocked.Increment(ref DeliveredByKind[(int)PacketDemux.Classify(datagram)]);
            session.DeliverDatagram(datagram, from);
        }
    }

    private sealed class PendingDatagram(InMemoryPeerNetwork network, byte[] data, IPEndPoint from, IPEndPoint to)
    {
        public ITimer? Timer { get; set; }

        /// <summary>
        /// Delivers the datagram. It may run before <see cref="Timer"/> is assigned (see the network's Send), so it must
        /// not need it: a callback that throws inside FakeTimeProvider leaves its wake-up gate closed, and no fake timer
        /// of the test fires again (the sessions' workers' included).
        /// </summary>
        public void Fire()
        {
            lock (network._inFlight)
            {
                network._inFlight.Remove(this);
            }

            network.Deliver(data, from, to);
            Timer?.Dispose();
        }
    }

    private sealed class Nat(IPEndPoint inside, IPEndPoint publicEndPoint)
    {
        public IPEndPoint Inside { get; } = inside;

        public IPEndPoint Public { get; } = publicEndPoint;

        public HashSet<IPEndPoint> Permitted { get; } = [];
    }

    private sealed class Relay(InMemoryPeerNetwork network, IPEndPoint relayed) : IPacketPath
    {
        public PeerSession? Session { get; set; }

        public int Base { get; set; }

        public string Kind => "turn/udp";

        public void Send(ReadOnlySpan<byte> datagram, IPEndPoint destination) => network.Send(datagram, relayed, destination);
    }

    private sealed class Host(InMemoryPeerNetwork network, IPEndPoint address) : IPeerSessionHost
    {
        public PeerSession? Session { get; set; }

        public IReadOnlyList<IceCandidate> HostCandidates { get; } =
        [
            new IceCandidate("h0", 1, IceCandidate.ComputePriority(IceCandidateType.Host, 65535, 1),
                address.Address.ToString(), address.Port, IceCandidateType.Host),
        ];

        public string Kind => "udp";

        public void Send(ReadOnlySpan<byte> datagram, IPEndPoint destination) =>
            network.Send(datagram, address, destination);

        public void Route(IPEndPoint remote, PeerSession session)
        {
        }

        public void ChangeUfrag(PeerSession session, string previousUfrag)
        {
        }

        public void Detach(PeerSession session)
        {
        }
    }
}
