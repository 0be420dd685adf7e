using System.Diagnostics;
using EmsSharp.Media.Hub;
using EmsSharp.Media.Ring;

namespace EmsSharp.Server.Delivery;

/// <summary>
/// One viewer of a <see cref="SharedStreamSource{TUnit}"/>: a cursor into the source's ring (the GOP cache, a keyframe
/// first, then live units), plus when it subscribed. A viewer that lags past its bound skips to a keyframe and counts
/// what it dropped; the source never waits for it. Single consumer (see <see cref="StreamRingReader{T}"/>). Dispose to
/// leave; the source stops when its last viewer leaves.
/// </summary>
internal abstract class SharedStreamSubscription<TUnit> : IDisposable
{
    private readonly SharedStreamSource<TUnit> _source;

    protected SharedStreamSubscription(SharedStreamSource<TUnit> source, StreamRingReader<TUnit> reader)
    {
        _source = source;
        Reader = reader;
    }

    /// <summary>When the viewer subscribed (a <see cref="Stopwatch.GetTimestamp"/> value): units whose frames arrived in
    /// the hub earlier are replays of the GOP cache, not measured for latency.</summary>
    public long SubscribedAt { get; } = Stopwatch.GetTimestamp();

    /// <summary>The live stream's name.</summary>
    public string StreamName => _source.StreamName;

    /// <summary>The live stream this viewer reads.</summary>
    public LiveStream Stream => _source.Stream;

    /// <summary>How many times this viewer skipped to the next keyframe (it fell behind, or its transport backed up).</summary>
    public long KeyframeSkips => Reader.KeyframeSkips;

    /// <summary>Payload bytes published and not yet read by this viewer.</summary>
    public long QueuedBytes => Reader.LagBytes;

    /// <summary>True once the stream ended (or the server stopped it); the viewer may still have its last units to read.</summary>
    public bool IsCompleted => Reader.IsCompleted;

    /// <summary>The ring this viewer reads (what its worker's listener is told about).</summary>
    public IStreamRing Ring => Reader.Ring;

    /// <summary>This viewer's cursor.</summary>
    protected StreamRingReader<TUnit> Reader { get; }

    /// <summary>
    /// Waits until a unit can be read (true), or the stream ended and everything is read (false).
    /// </summary>
    public virtual ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
        Reader.WaitToReadAsync(cancellationToken);

    /// <summary>Leaves the stream; a pending wait returns false.</summary>
    public void Dispose() => _source.Leave(Reader);
}
