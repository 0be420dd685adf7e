using System.Diagnostics;
using EmsSharp.Media.Fmp4;
using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>
/// The shared fMP4 delivery of one live stream: ONE reader of the hub and ONE muxer for all viewers.
/// Every fragment is framed once into an immutable <see cref="Fmp4Packet"/> and fanned out by reference to
/// the <see cref="Fmp4Subscription"/>s; a GOP cache (the fragments since the last keyframe fragment) and the
/// HEADER_MOOV init packet let a new viewer start at once. The pump starts with the first viewer and stops
/// when the last leaves or the stream ends (viewers then drain and see the end). Create through
/// <see cref="Fmp4SourceManager"/>.
/// </summary>
internal sealed partial class Fmp4StreamSource : ISharedStreamSource<Fmp4Subscription>
{
    private readonly LiveStream _stream;
    private readonly Fmp4SourceOptions _options;
    private readonly ILogger _logger;
    private readonly Action<Fmp4StreamSource>? _stopped;
    private readonly Lock _gate = new();
    private readonly List<Fmp4Packet> _gop = [];
    private readonly CancellationTokenSource _stop = new();
    private Fmp4Subscription[] _subscribers = [];
    private Fmp4Packet? _init;
    private long _gopBytes;
    private bool _gopValid;
    private bool _started;
    private bool _isStopped;
    private long _fragments;
    private Task _pump = Task.CompletedTask;

    internal Fmp4StreamSource(LiveStream stream, Fmp4SourceOptions options, ILogger logger, Action<Fmp4StreamSource>? stopped)
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

    /// <summary>Fragments framed and fanned out so far.</summary>
    public long Fragments => Volatile.Read(ref _fragments);

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
    /// Attaches a viewer: it gets the init packet, the GOP cache, then live fragments. Starts the pump for the
    /// first viewer. Null when the source has stopped (ask the manager for a new one).
    /// <paramref name="queueFragments"/> and <paramref name="queueBytes"/> bound this viewer's queue (0: the
    /// <see cref="Fmp4SourceOptions"/> defaults).
    /// </summary>
    public Fmp4Subscription? TrySubscribe(int queueFragments = 0, long queueBytes = 0)
    {
        lock (_gate)
        {
            if (_isStopped)
            {
                return null;
            }

            var subscription = new Fmp4Subscription(this,
                queueFragments > 0 ? queueFragments : _options.ViewerQueueFragments,
                queueBytes > 0 ? queueBytes : _options.ViewerQueueBytes);
            if (_init is not null)
            {
                subscription.Enqueue(_init);
            }

            if (_gopValid)
            {
                foreach (var packet in _gop)
                {
                    subscription.Enqueue(packet);
                }
            }

            var subscribers = new Fmp4Subscription[_subscribers.Length + 1];
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

    Fmp4Subscription? ISharedStreamSource<Fmp4Subscription>.Subscribe() => TrySubscribe();

    internal void Unsubscribe(Fmp4Subscription subscription)
    {
        bool last;
        lock (_gate)
        {
            var index = Array.IndexOf(_subscribers, subscription);
            if (index < 0)
            {
                return;
            }

            var subscribers = new Fmp4Subscription[_subscribers.Length - 1];
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

    /// <summary>Caches and fans out one packet (the pump calls this; benchmarks too).</summary>
    internal void Publish(Fmp4Packet packet)
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
        var packager = new Fmp4StreamPackager(new Fmp4MuxerOptions { MaxFragmentDuration = _options.MaxFragmentDuration });
        try
        {
            using var reader = _stream.CreateReader(_options.ReaderCapacity);
            // Frames that arrived before the reader existed come from the hub's GOP cache: not measured.
            var readerCreated = Stopwatch.GetTimestamp();
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    packager.Push(frame.ArrivalTimestamp >= readerCreated ? frame : frame with { ArrivalTimestamp = 0 },
                        _stream.Video, _stream.Audio);
                    Drain(packager);
                }
            }

            packager.Flush();
            Drain(packager);
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
            LogStopped(_logger, StreamName, packager.Fragments, packager.DroppedFrames);
        }
    }

    private void Drain(Fmp4StreamPackager packager)
    {
        while (packager.TryPollPacket(out var packet))
        {
            Publish(packet);
        }
    }

    // GOP cache: the init packet, and every fragment since the last one that starts with a keyframe.
    private void Cache(Fmp4Packet packet)
    {
        if (packet.IsInit)
        {
            _init = packet;
            _gop.Clear();
            _gopBytes = 0;
            _gopValid = false;
            return;
        }

        _fragments++;
        if (packet.StartsWithKeyframe)
        {
            _gop.Clear();
            _gopBytes = 0;
            _gopValid = true;
        }

        if (!_gopValid)
        {
            return;
        }

        if (_gop.Count >= _options.MaxGopFragments || _gopBytes + packet.Length > _options.MaxGopBytes)
        {
            // Too long a GOP to replay: new viewers wait for the next keyframe instead.
            _gop.Clear();
            _gopBytes = 0;
            _gopValid = false;
            return;
        }

        _gop.Add(packet);
        _gopBytes += packet.Length;
    }

    private void Finish(bool cancel)
    {
        Fmp4Subscription[] subscribers;
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

    [LoggerMessage(1, LogLevel.Information, "fMP4 source for {StreamName} started")]
    private static partial void LogStarted(ILogger logger, string streamName);

    [LoggerMessage(2, LogLevel.Information, "fMP4 source for {StreamName} stopped ({Fragments} fragments, {Dropped} frames dropped)")]
    private static partial void LogStopped(ILogger logger, string streamName, long fragments, long dropped);

    [LoggerMessage(3, LogLevel.Error, "fMP4 source for {StreamName} failed")]
    private static partial void LogFailed(ILogger logger, string streamName, Exception exception);
}
