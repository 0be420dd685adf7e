using EmsSharp.Media.Ring;

namespace EmsSharp.Media.Hub;

/// <summary>
/// One reader of a live stream: a cursor into the stream's <see cref="StreamRing{T}"/> of frames. It starts with the
/// stream's GOP cache (a keyframe first); when it lags more than <see cref="Capacity"/> frames it skips to a keyframe,
/// counting every frame it dropped, so the publisher never waits for it. Single consumer: one
/// <see cref="WaitToReadAsync"/> at a time (see <see cref="StreamRingReader{T}"/> for which thread may call what).
/// Dispose it to detach from the stream.
/// </summary>
public sealed class LiveStreamReader : IDisposable
{
    private readonly StreamRingReader<MediaFrame> _reader;

    internal LiveStreamReader(LiveStream stream, StreamRingReader<MediaFrame> reader)
    {
        Stream = stream;
        _reader = reader;
    }

    /// <summary>The stream this reader reads.</summary>
    public LiveStream Stream { get; }

    /// <summary>How many frames it may lag before it drops to a keyframe.</summary>
    public int Capacity => _reader.MaxLagUnits;

    /// <summary>Frames published and not yet read (past <see cref="Capacity"/> until the reader next reads and skips).</summary>
    public long Count => _reader.LagUnits;

    /// <summary>Frames this reader dropped because it fell behind (or joined before a keyframe).</summary>
    public long DroppedFrames => _reader.DroppedUnits;

    /// <summary>How many times the reader fell too far behind and skipped to a keyframe.</summary>
    public long Overflows => _reader.KeyframeSkips;

    /// <summary>
    /// Waits until a frame can be read (true) or the stream has ended and everything is read (false).
    /// </summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
        _reader.WaitToReadAsync(cancellationToken);

    /// <summary>Takes the next frame, if any.</summary>
    public bool TryRead(out MediaFrame frame) => _reader.TryRead(out frame);

    /// <summary>Reads frames until the stream ends or <paramref name="cancellationToken"/> fires.</summary>
    public IAsyncEnumerable<MediaFrame> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _reader.ReadAllAsync(cancellationToken);

    /// <summary>Detaches from the stream; a pending wait returns false.</summary>
    public void Dispose() => _reader.Dispose();
}
