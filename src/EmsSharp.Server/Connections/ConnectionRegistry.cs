using System.Collections.Concurrent;

namespace EmsSharp.Server.Connections;

/// <summary>
/// Every connection the ems holds now (<see cref="Connection"/>), for <c>listConnections</c>, <c>listConnectionsIds</c>,
/// <c>getConnectionInfo</c> and <c>getConnectionsCount</c>, and the counters of <c>getExtendedConnectionCounters</c>
/// (<see cref="ReadCounters"/>). Connections open and close on many threads: the table is concurrent, and each owner disposes
/// its connection in a finally, so none stays listed after it ended. Ids are one number space of their own, from 1, never
/// reused while the server runs. The counters change only when a connection opens or closes (under one lock, with the table,
/// so a snapshot never sees a connection in neither or both), never per packet: a closed connection's bytes are added to its
/// kind when it closes, an open one's are read when counted.
/// </summary>
internal sealed class ConnectionRegistry(TimeProvider time)
{
    private readonly ConcurrentDictionary<long, Connection> _open = new();
    private readonly Lock _countersGate = new();

    // Indexed by ConnectionCarrier (None, Tcp, Udp).
    private readonly KindCounters[] _kinds = [new(), new(), new()];
    private long _lastId;
    private long _maxAll;

    /// <summary>Raised after a connection opened or closed (on that thread; keep handlers short).</summary>
    public event Action? Changed;

    /// <summary>Connections open now.</summary>
    public int Count => _open.Count;

    /// <summary>Registers a connection that starts now; dispose it when it ends.</summary>
    public Connection Open(ConnectionSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var connection = new Connection(this, Interlocked.Increment(ref _lastId), time.GetUtcNow(), spec);
        lock (_countersGate)
        {
            _open[connection.Id] = connection;
            var kind = _kinds[(int)spec.Carrier];
            kind.Current++;
            kind.Total++;
            kind.Max = Math.Max(kind.Max, kind.Current);
            _maxAll = Math.Max(_maxAll, _open.Count);
        }

        Changed?.Invoke();
        return connection;
    }

    /// <summary>A snapshot of the open connections, in id order.</summary>
    public IReadOnlyList<Connection> List()
    {
        var connections = _open.Values.ToArray();
        Array.Sort(connections, static (a, b) => a.Id.CompareTo(b.Id));
        return connections;
    }

    public bool TryGet(long id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Connection? connection) =>
        _open.TryGetValue(id, out connection);

    /// <summary>The open connection that carries stream <paramref name="streamId"/> (inbound or outbound), if any.</summary>
    public Connection? FindByStream(long streamId)
    {
        foreach (var connection in _open.Values)
        {
            if (Array.IndexOf(connection.GetStreamIds(), streamId) >= 0)
            {
                return connection;
            }
        }

        return null;
    }

    /// <summary>The counters now, per kind of carrier and for all connections.</summary>
    public ConnectionCounters ReadCounters()
    {
        lock (_countersGate)
        {
            Span<(long Received, long Sent)> open = stackalloc (long, long)[_kinds.Length];
            foreach (var connection in _open.Values)
            {
                var (received, sent) = connection.Traffic;
                ref var bytes = ref open[(int)connection.OpenedCarrier];
                bytes = (bytes.Received + received, bytes.Sent + sent);
            }

            var none = _kinds[(int)ConnectionCarrier.None].Read(open[(int)ConnectionCarrier.None]);
            var tcp = _kinds[(int)ConnectionCarrier.Tcp].Read(open[(int)ConnectionCarrier.Tcp]);
            var udp = _kinds[(int)ConnectionCarrier.Udp].Read(open[(int)ConnectionCarrier.Udp]);
            var all = new ConnectionCount(
                tcp.Current + udp.Current + none.Current,
                _maxAll,
                tcp.Total + udp.Total + none.Total,
                tcp.ReceivedBytes + udp.ReceivedBytes + none.ReceivedBytes,
                tcp.SentBytes + udp.SentBytes + none.SentBytes);
            return new ConnectionCounters(tcp, udp, none, all);
        }
    }

    /// <summary><c>resetMaxFdCounters</c>: each high-water mark starts again from the connections open now (EvoStream's <c>ResetMax</c>).</summary>
    public void ResetMaxCounters()
    {
        lock (_countersGate)
        {
            foreach (var kind in _kinds)
            {
                kind.Max = kind.Current;
            }

            _maxAll = _open.Count;
        }
    }

    /// <summary><c>resetTotalFdCounters</c>: each cumulative total starts again from the connections open now (EvoStream's <c>ResetTotal</c>).</summary>
    public void ResetTotalCounters()
    {
        lock (_countersGate)
        {
            foreach (var kind in _kinds)
            {
                kind.Total = kind.Current;
            }
        }
    }

    internal void Remove(Connection connection)
    {
        var (received, sent) = connection.Traffic;
        lock (_countersGate)
        {
            if (!_open.TryRemove(new KeyValuePair<long, Connection>(connection.Id, connection)))
            {
                return;
            }

            var kind = _kinds[(int)connection.OpenedCarrier];
            kind.Current--;
            kind.ClosedReceived += received;
            kind.ClosedSent += sent;
        }

        Changed?.Invoke();
    }

    // One kind's counters, changed under _countersGate only.
    private sealed class KindCounters
    {
        public long Current;
        public long Max;
        public long Total;
        public long ClosedReceived;
        public long ClosedSent;

        public ConnectionCount Read((long Received, long Sent) open) =>
            new(Current, Max, Total, ClosedReceived + open.Received, ClosedSent + open.Sent);
    }
}
