using System.Collections.Concurrent;

namespace EmsSharp.Server.Connections;

/// <summary>
/// Every connection the ems holds now (<see cref="Connection"/>), for <c>listConnections</c>, <c>listConnectionsIds</c>,
/// <c>getConnectionInfo</c> and <c>getConnectionsCount</c>. Connections open and close on many threads: the table is
/// concurrent, and each owner disposes its connection in a finally, so none stays listed after it ended. Ids are one
/// number space of their own, from 1, never reused while the server runs.
/// </summary>
internal sealed class ConnectionRegistry(TimeProvider time)
{
    private readonly ConcurrentDictionary<long, Connection> _open = new();
    private long _lastId;

    /// <summary>Raised after a connection opened or closed (on that thread; keep handlers short).</summary>
    public event Action? Changed;

    /// <summary>Connections open now.</summary>
    public int Count => _open.Count;

    /// <summary>Registers a connection that starts now; dispose it when it ends.</summary>
    public Connection Open(ConnectionSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var connection = new Connection(this, Interlocked.Increment(ref _lastId), time.GetUtcNow(), spec);
        _open[connection.Id] = connection;
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

    internal void Remove(Connection connection)
    {
        if (_open.TryRemove(new KeyValuePair<long, Connection>(connection.Id, connection)))
        {
            Changed?.Invoke();
        }
    }
}
