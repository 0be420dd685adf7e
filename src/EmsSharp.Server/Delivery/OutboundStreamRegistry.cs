using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Api.Commands;
using EmsSharp.Server.Configs;
using EmsSharp.Server.Events;

namespace EmsSharp.Server.Delivery;

/// <summary>
/// The live outputs (<see cref="OutboundStream"/>) the API lists beside the inbound streams: each viewer registers here
/// once it reads a stream and leaves when it stops, and the registry raises <c>outStreamCreated</c> and
/// <c>outStreamClosed</c> with the output's stream object, as EvoStream does for each of its outbound streams. It also
/// keeps what the outputs that left had sent (<see cref="Totals"/>), so the metrics' counters never go back when a viewer
/// goes. Thread-safe.
/// </summary>
internal sealed class OutboundStreamRegistry(StreamHub hub, IEventPublisher events, TimeProvider time)
{
    private readonly ConcurrentDictionary<long, OutboundStream> _streams = new();

    // Per stream name and type tag, the last counters of the outputs that closed; one entry per name ever read. Closing
    // and totalling hold the lock, so a total never counts a closing output twice or not at all.
    private readonly Dictionary<(string Stream, string TypeTag), ViewerTotals> _departed = [];
    private readonly Lock _departedGate = new();
    private long _departedWebRtcBytes; // what the WebRTC viewers that closed had sent, under the lock

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
        lock (_departedGate)
        {
            if (!_streams.TryRemove(new KeyValuePair<long, OutboundStream>(stream.Id, stream)))
            {
                return;
            }

            var key = (stream.Source.Name, stream.TypeTag);
            _departed[key] = _departed.GetValueOrDefault(key).Plus(stream.Counters);
            if (stream.ConnectionType == OperationType.WebRtc)
            {
                _departedWebRtcBytes += stream.Counters.Bytes;
            }
        }

        var payload = StreamInfoJson.Create(stream, time, final);
        events.Publish(EventTypes.OutStreamClosed, payload);
    }

    /// <summary>
    /// Per stream name and type tag, what every output that ever read it sent and heard: the live ones' counters now plus
    /// the closed ones' last. Each figure only grows (but for a viewer's reported loss, which RFC 3550 lets shrink).
    /// </summary>
    public Dictionary<(string Stream, string TypeTag), ViewerTotals> Totals()
    {
        lock (_departedGate)
        {
            var totals = new Dictionary<(string Stream, string TypeTag), ViewerTotals>(_departed);
            foreach (var stream in _streams.Values)
            {
                var key = (stream.Source.Name, stream.TypeTag);
                totals[key] = totals.GetValueOrDefault(key).Plus(stream.Counters);
            }

            return totals;
        }
    }

    /// <summary>
    /// The bytes every WebRTC viewer sent so far, those that left included (so it only grows): read from the viewers' own
    /// counters, nothing added to the media path. One enumeration of the live outputs, no copy.
    /// </summary>
    public long WebRtcBytes()
    {
        lock (_departedGate)
        {
            var bytes = _departedWebRtcBytes;
            foreach (var (_, stream) in _streams)
            {
                if (stream.ConnectionType == OperationType.WebRtc)
                {
                    bytes += stream.Counters.Bytes;
                }
            }

            return bytes;
        }
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
