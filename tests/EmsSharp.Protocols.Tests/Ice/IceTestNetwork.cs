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
    private readonly Dictionary<(IceAgent Agent, int Base), int> _sent = [];
    private readonly Dictionary<IceAgent, IPEndPoint> _addressOf = [];
    private readonly Dictionary<IceAgent, IPEndPoint> _natMapping = [];
    private readonly Dictionary<(IceAgent, int), IPEndPoint> _relays = [];
    private readonly Dictionary<IPEndPoint, (IceAgent Agent, int Base)> _relayed = [];

    /// <summary>Drops everything sent by this agent (to simulate a peer that went away).</summary>
    public IceAgent? Blackhole { get; set; }

    public void AddPublic(IceAgent agent, IPEndPoint address)
    {
        _public[address] = agent;
        _addressOf[agent] = address;
    }

    /// <summary>Moves a public <paramref name="agent"/> to <paramref name="address"/>: nothing reaches it at the old one.</summary>
    public void Move(IceAgent agent, IPEndPoint address)
    {
        _public.Remove(_addressOf[agent]);
        AddPublic(agent, address);
    }

    /// <summary>Puts <paramref name="agent"/> at a private address behind a NAT that maps it to <paramref name="mapped"/>.</summary>
    public void AddBehindNat(IceAgent agent, IPEndPoint privateAddress, IPEndPoint mapped)
    {
        _addressOf[agent] = privateAddress;
        _natMapping[agent] = mapped;
        _public[mapped] = agent;
    }

    /// <summary>Datagrams an agent sends on its base 0 are lost (its UDP is blocked); its relays still work.</summary>
    public IceAgent? DirectBlocked { get; set; }

    /// <summary>Gives <paramref name="agent"/>'s base <paramref name="localBase"/> a relay at <paramref name="relayed"/>.</summary>
    public void AddRelay(IceAgent agent, int localBase, IPEndPoint relayed)
    {
        _relays[(agent, localBase)] = relayed;
        _relayed[relayed] = (agent, localBase);
    }

    /// <summary>How many datagrams <paramref name="agent"/> has sent from base <paramref name="localBase"/>.</summary>
    public int Sent(IceAgent agent, int localBase) => _sent.GetValueOrDefault((agent, localBase));

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
                    _sent[(agent, t.Base)] = Sent(agent, t.Base) + 1;
                    if (ReferenceEquals(agent, Blackhole))
                    {
                        continue;
                    }

                    if (t.Base == 0 && ReferenceEquals(agent, DirectBlocked))
                    {
                        continue;
                    }

                    var source = t.Base != 0 ? _relays[(agent, t.Base)]
                        : _natMapping.TryGetValue(agent, out var mapped) ? mapped : _addressOf[agent];
                    if (_relayed.TryGetValue(t.Destination, out var relay))
                    {
                        relay.Agent.HandleStun(t.Data, source, now, relay.Base);
                    }
                    else if (_public.TryGetValue(t.Destination, out var to) && !ReferenceEquals(to, DirectBlocked))
                    {
                        to.HandleStun(t.Data, source, now);
                    }
                }
            }
        }
        while (moved);
    }
}
