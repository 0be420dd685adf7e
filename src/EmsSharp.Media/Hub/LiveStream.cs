using System.Diagnostics;
using EmsSharp.Media.Ring;

namespace EmsSharp.Media.Hub;

/// <summary>
/// A named live stream: its tracks and the <see cref="StreamRing{T}"/> of its frames (the GOP cache and one cursor per
/// reader). The publisher (the one that got it from <see cref="StreamHub.TryPublish"/>) sets tracks, publishes frames
/// and disposes it to end the stream; deliveries only create readers and read the properties.
/// </summary>
/// <remarks>
/// Payloads are immutable arrays shared by reference: a frame is written once into the ring, whatever the number of
/// readers, and never copied. <see cref="Publish"/> never blocks on a reader and touches none: a reader that lags
/// drops to a keyframe on its own. The stream's lock serialises the publisher with <see cref="Dispose"/> and the
/// counters; no reader takes it.
/// </remarks>
public sealed class LiveStream : IDisposable
{
    private static readonly TimeSpan BitrateWindow = TimeSpan.FromSeconds(1);

    private readonly StreamHub _hub;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly StreamRing<MediaFrame> _ring;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private VideoTrackConfig? _video;
    private AudioTrackConfig? _audio;
    private bool _closed;
    private long _videoFrames;
    private long _audioFrames;
    private long _videoBytes;
    private long _audioBytes;
    private long _windowStart;
    private long _windowVideoBytes;
    private long _windowAudioBytes;
    private long _videoBitsPerSecond;
    private long _audioBitsPerSecond;

    internal LiveStream(StreamHub hub, long id, string name, StreamOrigin origin, LiveStreamOptions options, TimeProvider time)
    {
        _hub = hub;
        Id = id;
        Name = name;
        Origin = origin;
        _time = time;
        _ring = new StreamRing<MediaFrame>(new StreamRingOptions
        {
            MaxGopUnits = options.MaxGopFrames,
            MaxGopBytes = options.MaxGopBytes,
            ReaderLagUnits = options.DefaultReaderCapacity,
        });
        CreatedAt = time.GetUtcNow();
        _windowStart = time.GetTimestamp();
    }

    /// <summary>The stream's unique numeric id within its hub.</summary>
    public long Id { get; }

    /// <summary>The stream's name (e.g. the RTMP stream key).</summary>
    public string Name { get; }

    /// <summary>Where the stream comes from (its EvoStream type tag and connection addresses).</summary>
    public StreamOrigin Origin { get; }

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

    /// <summary>
    /// Waits until the stream has a track (a publisher announces its tracks after it goes live: RTMP's sequence headers,
    /// RTSP's SDP), up to <paramref name="timeout"/> on <paramref name="time"/>; false when none came or the stream ended.
    /// </summary>
    public async Task<bool> WaitForTracksAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Video is not null || Audio is not null)
        {
            return true;
        }

        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(LiveStream _) => changed.TrySetResult();
        TracksChanged += OnChanged;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            if (Video is not null || Audio is not null)
            {
                return true;
            }

            await Task.WhenAny(changed.Task, Completion, Task.Delay(timeout, time, wait.Token)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return !IsClosed && (Video is not null || Audio is not null);
        }
        finally
        {
            TracksChanged -= OnChanged;
            await wait.CancelAsync().ConfigureAwait(false); // the delay's timer goes with the wait
        }
    }

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
            // A reader starts or resumes on a video keyframe; on any frame of a stream without video.
            _ring.Publish(frame, frame.Payload.Length, frame.IsKeyframe && (frame.Kind == TrackKind.Video || _video is null));
        }

        return true;
    }

    /// <summary>
    /// Creates a reader that delivers the GOP cache first (so it starts with a keyframe) and then the live frames.
    /// When it lags more than <paramref name="capacity"/> frames it drops to a keyframe and counts the dropped
    /// frames. Dispose it to detach.
    /// </summary>
    public LiveStreamReader CreateReader(int capacity = 0) => new(this, _ring.CreateReader(Math.Max(0, capacity)));

    /// <summary>A snapshot of the stream's counters.</summary>
    public LiveStreamStats GetStats()
    {
        lock (_gate)
        {
            return new LiveStreamStats(Id, Name, CreatedAt, _videoFrames, _audioFrames, _videoBytes + _audioBytes,
                _videoBitsPerSecond + _audioBitsPerSecond, _videoBytes, _audioBytes, _videoBitsPerSecond,
                _audioBitsPerSecond, _ring.ReaderCount, _ring.DroppedUnits);
        }
    }

    /// <summary>Ends the stream: readers drain what they hold and then see the end; the hub forgets the name.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            _ring.Complete();
        }

        _hub.Remove(this);
        _completion.TrySetResult();
    }

    private void Count(in MediaFrame frame)
    {
        var length = frame.Payload.Length;
        if (frame.Kind == TrackKind.Video)
        {
            _videoFrames++;
            _videoBytes += length;
            _windowVideoBytes += length;
        }
        else
        {
            _audioFrames++;
            _audioBytes += length;
            _windowAudioBytes += length;
        }

        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_windowStart, now);
        if (elapsed >= BitrateWindow)
        {
            _videoBitsPerSecond = (long)(_windowVideoBytes * 8 / elapsed.TotalSeconds);
            _audioBitsPerSecond = (long)(_windowAudioBytes * 8 / elapsed.TotalSeconds);
            _windowVideoBytes = 0;
            _windowAudioBytes = 0;
            _windowStart = now;
        }
    }
}
