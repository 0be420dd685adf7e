using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Api.Commands;
using EmsSharp.Server.Events;

namespace EmsSharp.Server.Delivery;

/// <summary>
/// The live outputs (<see cref="OutboundStream"/>) the API lists beside the inbound streams: each viewer registers here
/// once it reads a stream and leaves when it stops, and the registry raises <c>outStreamCreated</c> and
/// <c>outStreamClosed</c> with the output's stream object, as EvoStream does for each of its outbound streams. Thread-safe.
/// </summary>
internal sealed class OutboundStreamRegistry(StreamHub hub, IEventPublisher events, TimeProvider time)
{
    private readonly ConcurrentDictionary<long, OutboundStream> _streams = new();

    /// <summary>Live outputs.</summary>
    public int Count => _streams.Count;

    /// <summary>Registers an output that starts reading its source now, and raises <c>outStreamCreated</c>.</summary>
    public OutboundStream Open(OutboundStreamSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var stream = new OutboundStream(hub.AllocateId(), time.GetUtcNow(), spec);
        _streams[stream.Id] = stream;
        events.Publish(EventTypes.OutStreamCreated, StreamInfoJson.Create(stream, time));
        return stream;
    }

    /// <summary>
    /// Takes an output off the list and raises <c>outStreamClosed</c> with its stream object as it ended, plus
    /// <paramref name="final"/>'s members (a viewer's last counters); once per output, later calls do nothing.
    /// </summary>
    public void Close(OutboundStream stream, JsonObject? final = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!_streams.TryRemove(new KeyValuePair<long, OutboundStream>(stream.Id, stream)))
        {
            return;
        }

        var payload = StreamInfoJson.Create(stream, time, final);
        events.Publish(EventTypes.OutStreamClosed, payload);
    }

    /// <summary>A snapshot of the live outputs, in uniqueId order.</summary>
    public IReadOnlyList<OutboundStream> GetStreams()
    {
        var streams = _streams.Values.ToArray();
        Array.Sort(streams, static (a, b) => a.Id.CompareTo(b.Id));
        return streams;
    }

    /// <summary>The live output of uniqueId <paramref name="id"/>, if any.</summary>
    public bool TryGet(long id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out OutboundStream? stream) =>
        _streams.TryGetValue(id, out stream);

    /// <summary>The uniqueIds of the outputs that read <paramref name="source"/>, in order (EvoStream's <c>outStreamsUniqueIds</c>).</summary>
    public long[] ReadersOf(LiveStream source)
    {
        var ids = new List<long>();
        foreach (var stream in _streams.Values)
        {
            if (ReferenceEquals(stream.Source, source))
            {
                ids.Add(stream.Id);
            }
        }

        ids.Sort();
        return [.. ids];
    }
}
