using System.Net;
using EmsSharp.Protocols.Ice;

namespace EmsSharp.Protocols.Tests.Ice;

/// <summary>
/// An in-memory network for ICE agents: public hosts and one endpoint-independent NAT in front of one agent.
/// Delivery is immediate and deterministic.
/// </summary>
internal sealed class IceTestNetwork
{
    private readonly Dictionary<IPEndPoint, IceAgent> _public = [];
    private readonly Dictionary<IceAgent, IPEndPoint> _addressOf = [];
    private readonly Dictionary<IceAgent, IPEndPoint> _natMapping = [];

    /// <summary>Drops everything sent by this agent (to simulate a peer that went away).</summary>
    public IceAgent? Blackhole { get; set; }

    public void AddPublic(IceAgent agent, IPEndPoint address)
    {
        _public[address] = agent;
        _addressOf[agent] = address;
    }

    /// <summary>Puts <paramref name="agent"/> at a private address behind a NAT that maps it to <paramref name="mapped"/>.</summary>
    public void AddBehindNat(IceAgent agent, IPEndPoint privateAddress, IPEndPoint mapped)
    {
        _addressOf[agent] = privateAddress;
        _natMapping[agent] = mapped;
        _public[mapped] = agent;
    }

    /// <summary>Moves every queued datagram until the network is quiet.</summary>
    public void Pump(TimeSpan now)
    {
        bool moved;
        do
        {
            moved = false;
            foreach (var agent in _addressOf.Keys)
            {
                while (agent.TryPollTransmit(out var t))
                {
                    moved = true;
                    if (ReferenceEquals(agent, Blackhole))
                    {
                        continue;
                    }

                    var source = _natMapping.TryGetValue(agent, out var mapped) ? mapped : _addressOf[agent];
                    if (_public.TryGetValue(t.Destination, out var to))
                    {
                        to.HandleStun(t.Data, source, now);
                    }
                }
            }
        }
        while (moved);
    }
}
