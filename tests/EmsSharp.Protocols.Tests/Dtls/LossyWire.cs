using EmsSharp.Protocols.Dtls;

namespace EmsSharp.Protocols.Tests.Dtls;

/// <summary>
/// One direction of a test network that loses, duplicates, reorders and corrupts handshake datagrams on purpose, in
/// front of an <see cref="OrderedWire"/>. Every decision depends on which datagram it is and which copy of it
/// (<see cref="HandshakeDatagram"/>), never on timing, so a pattern is the same on every run however fast the machine
/// is; and it counts what each side sent, so a test can check that the lost datagrams were retransmitted.
/// </summary>
internal sealed class LossyWire(Func<IDtlsTransport?> peer)
{
    private readonly OrderedWire _wire = new(peer);
    private readonly Lock _gate = new();
    private readonly Dictionary<HandshakeDatagram, int> _copies = [];
    private readonly List<byte[]> _held = [];
    private int _dropped;

    /// <summary>Whether to lose the given copy (0 = the first transmission) of a handshake datagram.</summary>
    public Func<HandshakeDatagram, int, bool> Drops { get; init; } = static (_, _) => false;

    /// <summary>Every datagram that passes is delivered twice.</summary>
    public bool Duplicates { get; init; }

    /// <summary>Each flight is held until its last datagram was sent, then delivered last datagram first.</summary>
    public bool ReversesFlights { get; init; }

    /// <summary>When set, a malformed variant of each datagram that passes is delivered just before it.</summary>
    public Func<byte[], byte[]>? Corrupts { get; init; }

    /// <summary>Handshake datagrams lost so far.</summary>
    public int Dropped
    {
        get
        {
            lock (_gate)
            {
                return _dropped;
            }
        }
    }

    /// <summary>How many times each handshake datagram was sent (the first transmission and every retransmission).</summary>
    public Dictionary<HandshakeDatagram, int> Copies()
    {
        lock (_gate)
        {
            return new Dictionary<HandshakeDatagram, int>(_copies);
        }
    }

    public void Send(byte[] datagram)
    {
        lock (_gate)
        {
            if (!HandshakeDatagram.TryRead(datagram, out var key))
            {
                Deliver(datagram); // application data and alerts pass untouched
                return;
            }

            var copy = _copies.GetValueOrDefault(key);
            _copies[key] = copy + 1;
            if (Drops(key, copy))
            {
                _dropped++;
                return;
            }

            if (!ReversesFlights)
            {
                Deliver(datagram);
                return;
            }

            _held.Add(datagram);
            if (key.EndsFlight)
            {
                for (var i = _held.Count - 1; i >= 0; i--)
                {
                    Deliver(_held[i]);
                }

                _held.Clear();
            }
        }
    }

    private void Deliver(byte[] datagram)
    {
        if (Corrupts is { } corrupt)
        {
            _wire.Send(corrupt(datagram));
        }

        _wire.Send(datagram);
        if (Duplicates)
        {
            _wire.Send(datagram);
        }
    }
}
