using System.Net;
using System.Text.Json.Nodes;

namespace EmsSharp.Server.Connections;

/// <summary>
/// One connection the ems holds now, as EvoStream's <c>listConnections</c> shows it (shared/EVOSTREAM-API.md §4): a carrier
/// (the socket: its addresses and the bytes each way) under a stack of protocol layers, the streams it carries and, for a
/// connection an API command made, that command's settings (a pull's <c>pullSettings</c>). Opened by
/// <see cref="ConnectionRegistry.Open"/>; its owner disposes it (in a finally) when the connection ends. The byte counters
/// are added to from the connection's own I/O and read from any thread.
/// </summary>
internal sealed class Connection : IDisposable
{
    private readonly ConnectionRegistry _registry;
    private readonly ConnectionSpec _spec;
    private readonly List<long> _streams = [];
    private long _received;
    private long _sent;
    private int _closed;

    internal Connection(ConnectionRegistry registry, long id, DateTimeOffset createdAt, ConnectionSpec spec)
    {
        _registry = registry;
        _spec = spec;
        Id = id;
        CreatedAt = createdAt;
    }

    /// <summary>The connection id (its own number space, not the streams' uniqueIds, as EvoStream's).</summary>
    public long Id { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>The protocol layers from the carrier up (EvoStream's tags: <c>TCP</c>, <c>IR</c>...), read now.</summary>
    public IReadOnlyList<string> Stack => _spec.Stack();

    /// <summary>Whether a network socket carries it (false: an internal source, which has no carrier).</summary>
    public bool IsNetwork => _spec.Carrier != ConnectionCarrier.None;

    /// <summary>The carrier it opened on: the registry counts it under this kind until it closes, whatever path it moves to.</summary>
    public ConnectionCarrier OpenedCarrier => _spec.Carrier;

    /// <summary>The carrier's kind now (a WebRTC session's follows its selected path).</summary>
    public ConnectionCarrier Carrier => _spec.Carrier == ConnectionCarrier.None ? ConnectionCarrier.None : _spec.CurrentCarrier?.Invoke() ?? _spec.Carrier;

    /// <summary>Our end and the far end now.</summary>
    public (IPEndPoint? Near, IPEndPoint? Far) Addresses => _spec.Addresses();

    /// <summary>Bytes received and sent so far.</summary>
    public (long Received, long Sent) Traffic =>
        _spec.Traffic?.Invoke() ?? (Interlocked.Read(ref _received), Interlocked.Read(ref _sent));

    /// <summary>The settings member (<c>pullSettings</c>) and its value, when an API command made the connection.</summary>
    public (string Name, JsonObject Value)? CreateSettings() => _spec.Settings is { } settings ? (settings.Name, settings.Create()) : null;

    /// <summary>Whether the top layer lists <c>streams</c> (connections that carry media).</summary>
    public bool CarriesStreams => _spec.CarriesStreams;

    public void AddReceived(long bytes) => Interlocked.Add(ref _received, bytes);

    public void AddSent(long bytes) => Interlocked.Add(ref _sent, bytes);

    /// <summary>A stream (inbound or outbound uniqueId) this connection carries from now on.</summary>
    public void AttachStream(long streamId)
    {
        lock (_streams)
        {
            if (!_streams.Contains(streamId))
            {
                _streams.Add(streamId);
            }
        }
    }

    /// <summary>A stream it no longer carries.</summary>
    public void DetachStream(long streamId)
    {
        lock (_streams)
        {
            _streams.Remove(streamId);
        }
    }

    /// <summary>The uniqueIds of the streams it carries, in the order they came.</summary>
    public long[] GetStreamIds()
    {
        lock (_streams)
        {
            return [.. _streams];
        }
    }

    /// <summary>Takes the connection off the registry; once, later calls do nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _registry.Remove(this);
        }
    }
}
