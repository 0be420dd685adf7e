using System.Diagnostics;

namespace EmsSharp.Media.Hub;

/// <summary>
/// A named live stream: its tracks, a GOP cache and the readers it fans out to. The publisher (the one
/// that got it from <see cref="StreamHub.TryPublish"/>) sets tracks, publishes frames and disposes it to
/// end the stream; deliveries only create readers and read the properties.
/// </summary>
/// <remarks>
/// Payloads are immutable arrays shared by reference: publishing one frame to N readers copies the
/// <see cref="MediaFrame"/> struct N times, never the bytes. <see cref="Publish"/> never blocks on a reader:
/// a reader whose queue is full drops to the next keyframe on its own.
/// </remarks>
public sealed class LiveStream : IDisposable
{
    private static readonly TimeSpan BitrateWindow = TimeSpan.FromSeconds(1);

    private readonly StreamHub _hub;
    private readonly LiveStreamOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<MediaFrame> _gop = [];
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LiveStreamReader[] _readers = [];
    private VideoTrackConfig? _video;
    private AudioTrackConfig? _audio;
    private long _gopBytes;
    private bool _gopValid;
    private bool _closed;
    private long _videoFrames;
    private long _audioFrames;
    private long _bytes;
    private long _windowStart;
    private long _windowBytes;
    private long _bitsPerSecond;
    private long _droppedByDetached;

    internal LiveStream(StreamHub hub, long id, string name, LiveStreamOptions options, TimeProvider time)
    {
        _hub = hub;
        Id = id;
        Name = name;
        _options = options;
        _time = time;
        CreatedAt = time.GetUtcNow();
        _windowStart = time.GetTimestamp();
    }

    /// <summary>The stream's unique numeric id within its hub.</summary>
    public long Id { get; }

    /// <summary>The stream's name (e.g. the RTMP stream key).</summary>
    public string Name { get; }

    /// <summary>When the publisher started.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>The video track, or null while none is known.</summary>
    public VideoTrackConfig? Video => Volatile.Read(ref _video);

    /// <summary>The audio track, or null while none is known.</summary>
    public AudioTrackConfig? Audio => Volatile.Read(ref _audio);

    /// <summary>True once the publisher ended the stream.</summary>
    public bool IsClosed => Volatile.Read(ref _closed);

    /// <summary>Completes when the stream ends.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Raised (on the publisher's thread) when a track's configuration is set or changes.</summary>
    public event Action<LiveStream>? TracksChanged;

    /// <summary>Sets or replaces the video track's configuration (publisher only).</summary>
    public void SetVideoTrack(VideoTrackConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Volatile.Write(ref _video, config);
        TracksChanged?.Invoke(this);
    }

    /// <summary>Sets or replaces the audio track's configuration (publisher only).</summary>
    public void SetAudioTrack(AudioTrackConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Volatile.Write(ref _audio, config);
        TracksChanged?.Invoke(this);
    }

    /// <summary>
    /// Publishes one frame to the GOP cache and every reader (publisher only). Never blocks on readers.
    /// The payload must not be written afterwards. Returns false when the stream has ended.
    /// </summary>
    public bool Publish(in MediaFrame frame)
    {
        return frame.ArrivalTimestamp != 0
            ? PublishStamped(frame)
            : PublishStamped(frame with { ArrivalTimestamp = Stopwatch.GetTimestamp() });
    }

    private bool PublishStamped(in MediaFrame frame)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            Count(frame);
            CacheGop(frame);
            var hasVideo = _video is not null;
            foreach (var reader in _readers)
            {
                reader.Enqueue(frame, hasVideo);
            }
        }

        return true;
    }

    /// <summary>
    /// Creates a reader that delivers the GOP cache first (so it starts with a keyframe) and then the live
    /// frames. When its queue of <paramref name="capacity"/> frames is full it drops to the next keyframe
    /// and counts the dropped frames. Dispose it to detach.
    /// </summary>
    public LiveStreamReader CreateReader(int capacity = 0)
    {
        if (capacity <= 0)
        {
            capacity = _options.DefaultReaderCapacity;
        }

        lock (_gate)
        {
            var reader = new LiveStreamReader(this, capacity);
            if (_closed)
            {
                reader.Complete();
                return reader;
            }

            if (_gopValid && _gop.Count <= capacity)
            {
                reader.Prefill(_gop);
            }

            var readers = new LiveStreamReader[_readers.Length + 1];
            _readers.CopyTo(readers, 0);
            readers[^1] = reader;
            _readers = readers;
            return reader;
        }
    }

    /// <summary>A snapshot of the stream's counters.</summary>
    public LiveStreamStats GetStats()
    {
        lock (_gate)
        {
            var dropped = _droppedByDetached;
            foreach (var reader in _readers)
            {
                dropped += reader.DroppedFrames;
            }

            return new LiveStreamStats(Id, Name, CreatedAt, _videoFrames, _audioFrames, _bytes,
                _bitsPerSecond, _readers.Length, dropped);
        }
    }

    /// <summary>Ends the stream: readers drain what they hold and then see the end; the hub forgets the name.</summary>
    public void Dispose()
    {
        LiveStreamReader[] readers;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            readers = _readers;
            _readers = [];
            _gop.Clear();
            _gopValid = false;
            foreach (var reader in readers)
            {
                _droppedByDetached += reader.DroppedFrames;
            }
        }

        foreach (var reader in readers)
        {
            reader.Complete();
        }

        _hub.Remove(this);
        _completion.TrySetResult();
    }

    internal void Detach(LiveStreamReader reader)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_readers, reader);
            if (index < 0)
            {
                return;
            }

            var readers = new LiveStreamReader[_readers.Length - 1];
            Array.Copy(_readers, 0, readers, 0, index);
            Array.Copy(_readers, index + 1, readers, index, _readers.Length - index - 1);
            _readers = readers;
            _droppedByDetached += reader.DroppedFrames;
        }
    }

    private void Count(in MediaFrame frame)
    {
        if (frame.Kind == TrackKind.Video)
        {
            _videoFrames++;
        }
        else
        {
            _audioFrames++;
        }

        _bytes += frame.Payload.Length;
        _windowBytes += frame.Payload.Length;
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_windowStart, now);
        if (elapsed >= BitrateWindow)
        {
            _bitsPerSecond = (long)(_windowBytes * 8 / elapsed.TotalSeconds);
            _windowBytes = 0;
            _windowStart = now;
        }
    }

    // The cache holds everything since the last video keyframe, audio included, in publication order.
    private void CacheGop(in MediaFrame frame)
    {
        if (frame.Kind == TrackKind.Video && frame.IsKeyframe)
        {
            _gop.Clear();
            _gopBytes = 0;
            _gopValid = true;
        }

        if (!_gopValid)
        {
            return;
        }

        if (_gop.Count >= _options.MaxGopFrames || _gopBytes + frame.Payload.Length > _options.MaxGopBytes)
        {
            // Too long a GOP to replay: new readers wait for the next keyframe instead.
            _gop.Clear();
            _gopBytes = 0;
            _gopValid = false;
            return;
        }

        _gop.Add(frame);
        _gopBytes += frame.Payload.Length;
    }
}
