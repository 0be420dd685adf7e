using System.Diagnostics;
using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Delivery.Rtp;

/// <summary>
/// The shared srtp delivery of one live stream: ONE reader of the hub and ONE RTP packetizer for all viewers.
/// Every frame is turned into RTP payloads once (<see cref="RtpAccessUnit"/>, immutable) and fanned out by
/// reference to the <see cref="RtpSubscription"/>s, which only add their own header, SRTP and send; a GOP cache
/// (the units since the last video keyframe) lets a new viewer start at once. The pump starts with the first viewer
/// and stops when the last leaves or the stream ends (viewers then drain and see the end). Create through
/// <see cref="RtpSourceManager"/>.
/// </summary>
internal sealed partial class RtpStreamSource : ISharedStreamSource<RtpSubscription>
{
    private readonly LiveStream _stream;
    private readonly RtpSourceOptions _options;
    private readonly ILogger _logger;
    private readonly Action<RtpStreamSource>? _stopped;
    private readonly Lock _gate = new();
    private readonly List<RtpAccessUnit> _gop = [];
    private readonly CancellationTokenSource _stop = new();
    private RtpSubscription[] _subscribers = [];
    private long _gopBytes;
    private bool _gopValid;
    private bool _started;
    private bool _isStopped;
    private long _units;
    private long _droppedFrames;
    private Task _pump = Task.CompletedTask;

    internal RtpStreamSource(LiveStream stream, RtpSourceOptions options, ILogger logger, Action<RtpStreamSource>? stopped)
    {
        _stream = stream;
        _options = options;
        _logger = logger;
        _stopped = stopped;
    }

    /// <summary>The live stream this source reads.</summary>
    public LiveStream Stream => _stream;

    /// <summary>The live stream's name.</summary>
    public string StreamName => _stream.Name;

    /// <summary>True once the source stopped (last viewer left, stream ended, or server shutdown); it never restarts.</summary>
    public bool IsStopped => Volatile.Read(ref _isStopped);

    /// <summary>Access units packaged and fanned out so far.</summary>
    public long Units => Volatile.Read(ref _units);

    /// <summary>Frames the source's own hub reader dropped (the pump fell behind the publisher).</summary>
    public long DroppedFrames => Volatile.Read(ref _droppedFrames);

    /// <summary>Viewers attached now.</summary>
    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    /// <summary>Completes when the pump has ended.</summary>
    public Task Completion
    {
        get
        {
            lock (_gate)
            {
                return _pump;
            }
        }
    }

    /// <summary>
    /// Attaches a viewer: it gets the GOP cache, then live access units. Starts the pump for the first viewer.
    /// Null when the source has stopped (ask the manager for a new one). <paramref name="queueUnits"/> and
    /// <paramref name="queueBytes"/> bound this viewer's queue (0: the <see cref="RtpSourceOptions"/> defaults).
    /// </summary>
    public RtpSubscription? TrySubscribe(int queueUnits = 0, long queueBytes = 0)
    {
        lock (_gate)
        {
            if (_isStopped)
            {
                return null;
            }

            var subscription = new RtpSubscription(this,
                queueUnits > 0 ? queueUnits : _options.ViewerQueueUnits,
                queueBytes > 0 ? queueBytes : _options.ViewerQueueBytes);
            if (_gopValid)
            {
                foreach (var packet in _gop)
                {
                    subscription.Enqueue(packet);
                }
            }

            var subscribers = new RtpSubscription[_subscribers.Length + 1];
            _subscribers.CopyTo(subscribers, 0);
            subscribers[^1] = subscription;
            Volatile.Write(ref _subscribers, subscribers);
            if (!_started)
            {
                _started = true;
                LogStarted(_logger, StreamName);
                _pump = Task.Run(PumpAsync);
            }

            return subscription;
        }
    }

    /// <summary>Stops the pump and ends every viewer (server shutdown).</summary>
    public void Stop() => Finish(cancel: true);

    RtpSubscription? ISharedStreamSource<RtpSubscription>.Subscribe() => TrySubscribe();

    internal void Unsubscribe(RtpSubscription subscription)
    {
        bool last;
        lock (_gate)
        {
            var index = Array.IndexOf(_subscribers, subscription);
            if (index < 0)
            {
                return;
            }

            var subscribers = new RtpSubscription[_subscribers.Length - 1];
            Array.Copy(_subscribers, 0, subscribers, 0, index);
            Array.Copy(_subscribers, index + 1, subscribers, index, _subscribers.Length - index - 1);
            Volatile.Write(ref _subscribers, subscribers);
            last = subscribers.Length == 0;
        }

        if (last)
        {
            Finish(cancel: true);
        }
    }

    /// <summary>Caches and fans out one access unit (the pump calls this; benchmarks too).</summary>
    internal void Publish(RtpAccessUnit packet)
    {
        lock (_gate)
        {
            if (_isStopped)
            {
                return;
            }

            Cache(packet);
            foreach (var subscriber in _subscribers)
            {
                subscriber.Enqueue(packet);
            }
        }
    }

    private async Task PumpAsync()
    {
        var token = _stop.Token;
        var packager = new RtpAccessUnitPackager();
        try
        {
            using var reader = _stream.CreateReader(_options.ReaderCapacity);
            // Frames that arrived before the reader existed come from the hub's GOP cache: not measured.
            var readerCreated = Stopwatch.GetTimestamp();
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    var arrival = frame.ArrivalTimestamp >= readerCreated ? frame.ArrivalTimestamp : 0;
                    if (packager.TryPackage(frame, _stream.Video, arrival, out var unit))
                    {
                        Publish(unit!);
                    }
                }

                Volatile.Write(ref _droppedFrames, reader.DroppedFrames);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // the last viewer left
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogFailed(_logger, StreamName, ex);
        }
        finally
        {
            Finish(cancel: false);
            LogStopped(_logger, StreamName, Units, DroppedFrames);
        }
    }

    // GOP cache: every unit since the last video keyframe, audio included.
    private void Cache(RtpAccessUnit unit)
    {
        _units++;
        if (unit.IsKeyframe)
        {
            _gop.Clear();
            _gopBytes = 0;
            _gopValid = true;
        }

        if (!_gopValid)
        {
            return;
        }

        if (_gop.Count >= _options.MaxGopUnits || _gopBytes + unit.Length > _options.MaxGopBytes)
        {
            // Too long a GOP to replay: new viewers wait for the next keyframe instead.
            _gop.Clear();
            _gopBytes = 0;
            _gopValid = false;
            return;
        }

        _gop.Add(unit);
        _gopBytes += unit.Length;
    }

    private void Finish(bool cancel)
    {
        RtpSubscription[] subscribers;
        lock (_gate)
        {
            if (_isStopped)
            {
                return;
            }

            _isStopped = true;
            subscribers = _subscribers;
            Volatile.Write(ref _subscribers, []);
            _gop.Clear();
            _gopValid = false;
        }

        if (cancel)
        {
            _stop.Cancel();
        }

        foreach (var subscriber in subscribers)
        {
            subscriber.Complete();
        }

        _stopped?.Invoke(this);
    }

    [LoggerMessage(1, LogLevel.Information, "RTP source for {StreamName} started")]
    private static partial void LogStarted(ILogger logger, string streamName);

    [LoggerMessage(2, LogLevel.Information, "RTP source for {StreamName} stopped ({Units} access units, {Dropped} frames dropped)")]
    private static partial void LogStopped(ILogger logger, string streamName, long units, long dropped);

    [LoggerMessage(3, LogLevel.Error, "RTP source for {StreamName} failed")]
    private static partial void LogFailed(ILogger logger, string streamName, Exception exception);
}
