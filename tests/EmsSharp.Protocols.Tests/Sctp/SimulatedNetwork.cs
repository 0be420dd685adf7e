namespace EmsSharp.Protocols.Tests.Sctp;

/// <summary>
/// Two peers joined by a deterministic simulated link: seeded loss, one-way delay plus random jitter
/// (which reorders), and explicit time stepping. No sockets, no sleeps.
/// </summary>
internal sealed class SimulatedNetwork(ISctpPeer a, ISctpPeer b, int seed)
{
    private readonly Random _random = new(seed);
    private readonly PriorityQueue<(byte[] Packet, bool ToB), (TimeSpan At, long Seq)> _inFlight = new();
    private readonly byte[] _buffer = new byte[65536];
    private long _seq;

    public double Loss { get; init; }

    public TimeSpan Delay { get; init; } = TimeSpan.FromMilliseconds(10);

    public TimeSpan Jitter { get; init; }

    public TimeSpan Now { get; private set; } = TimeSpan.FromSeconds(1);

    /// <summary>Drops every packet from A to B while set (for tests of the handshake retransmission).</summary>
    public Func<byte[], bool, bool>? Filter { get; set; }

    public long PacketsAToB { get; private set; }

    public long PacketsBToA { get; private set; }

    /// <summary>Steps until <paramref name="done"/> is true; <paramref name="onStep"/> runs after each step (drain events, send more).</summary>
    public void RunUntil(Func<bool> done, TimeSpan maxDuration, Action? onStep = null)
    {
        var deadline = Now + maxDuration;
        while (true)
        {
            onStep?.Invoke();
            Flush(a, toB: true);
            Flush(b, toB: false);
            if (done())
            {
                return;
            }

            var next = Min(a.NextTimeout, b.NextTimeout);
            if (_inFlight.TryPeek(out _, out var head))
            {
                next = Min(next, head.At);
            }

            if (next is null)
            {
                throw new InvalidOperationException($"Nothing left to do at {Now} and the condition is not met.");
            }

            if (next > Now)
            {
                Now = next.Value;
            }

            if (Now > deadline)
            {
                throw new TimeoutException($"Condition not met within {maxDuration} of simulated time.");
            }

            while (_inFlight.TryPeek(out var item, out var at) && at.At <= Now)
            {
                _inFlight.Dequeue();
                (item.ToB ? b : a).HandleInbound(item.Packet, Now);
            }

            if (a.NextTimeout <= Now)
            {
                a.HandleTimeout(Now);
            }

            if (b.NextTimeout <= Now)
            {
                b.HandleTimeout(Now);
            }
        }
    }

    private void Flush(ISctpPeer from, bool toB)
    {
        while (from.TryPollTransmit(_buffer, Now, out var length))
        {
            var packet = _buffer.AsSpan(0, length).ToArray();
            if (toB)
            {
                PacketsAToB++;
            }
            else
            {
                PacketsBToA++;
            }

            if ((Filter is not null && !Filter(packet, toB)) || (Loss > 0 && _random.NextDouble() < Loss))
            {
                continue;
            }

            var at = Now + Delay + (Jitter * _random.NextDouble());
            _inFlight.Enqueue((packet, toB), (at, _seq++));
        }
    }

    private static TimeSpan? Min(TimeSpan? x, TimeSpan? y) => x is null ? y : y is null ? x : x < y ? x : y;
}
