using System.Diagnostics;
using EmsSharp.Media.Hub;
using EmsSharp.Media.Ring;

namespace EmsSharp.Server.Delivery;

/// <summary>
/// What the shared per-stream deliveries (srtp's RTP access units, fMP4 fragments) have in common: ONE hub reader and ONE
/// pump that turns the stream's frames into units once (<see cref="Package"/>) and publishes each into ONE
/// <see cref="StreamRing{T}"/>, which every viewer reads through its own cursor (a <see cref="SharedStreamSubscription{TUnit}"/>).
/// The ring's GOP cache lets a new viewer start at once. The pump starts with the first viewer and stops when the last
/// leaves, the stream ends or the server stops; it completes the ring on its way out, so viewers drain and see the end.
/// </summary>
/// <remarks>
/// The pump is the ring's only writer (benchmarks and tests may publish instead, while the stream stays silent). The
/// source's lock guards only attaching, leaving and stopping; no unit takes it.
/// </remarks>
internal abstract partial class SharedStreamSource<TUnit>
{
    private readonly StreamRing<TUnit> _ring;
    private readonly int _readerCapacity;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private bool _started;
    private bool _isStopped;
    private long _droppedFrames;
    private Task _pump = Task.CompletedTask;

    /// <param name="stream">The live stream.</param>
    /// <param name="ringOptions">The ring's GOP cache bounds and the viewers' default lag bounds.</param>
    /// <param name="readerCapacity">How many hub frames the pump may lag before its hub reader skips to a keyframe.</param>
    /// <param name="logger">Where the pump's start, stop and failure go.</param>
    protected SharedStreamSource(LiveStream stream, StreamRingOptions ringOptions, int readerCapacity, ILogger logger)
    {
        Stream = stream;
        _ring = new StreamRing<TUnit>(ringOptions);
        _readerCapacity = readerCapacity;
        _logger = logger;
    }

    /// <summary>The live stream this source reads.</summary>
    public LiveStream Stream { get; }

    /// <summary>The live stream's name.</summary>
    public string StreamName => Stream.Name;

    /// <summary>True once the source stopped (last viewer left, stream ended, or server shutdown); it never restarts.</summary>
    public bool IsStopped => Volatile.Read(ref _isStopped);

    /// <summary>Frames the source's own hub reader dropped (the pump fell behind the publisher).</summary>
    public long DroppedFrames => Volatile.Read(ref _droppedFrames);

    /// <summary>Viewers attached now.</summary>
    public int SubscriberCount => _ring.ReaderCount;

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

    /// <summary>Units published so far.</summary>
    protected long Published => _ring.Published;

    /// <summary>Its viewers, units and drops now (any thread).</summary>
    public SharedSourceStats Stats => new(StreamName, _ring.ReaderCount, _ring.Published, _ring.DroppedUnits, DroppedFrames);

    /// <summary>What the logs call this kind of source ("RTP", "fMP4").</summary>
    protected abstract string Kind { get; }

    /// <summary>Stops the pump (server shutdown); viewers drain and see the end once it is out.</summary>
    public void Stop() => StopPump();

    /// <summary>
    /// Attaches a viewer's cursor (the GOP cache first, then live units) and starts the pump for the first one. Null
    /// when the source has stopped. 0 for a bound: the ring's default. <paramref name="listener"/>: the viewer's worker.
    /// </summary>
    protected StreamRingReader<TUnit>? TryAttach(int maxLagUnits, long maxLagBytes, IStreamRingListener? listener)
    {
        lock (_gate)
        {
            if (_isStopped)
            {
                return null;
            }

            var reader = _ring.CreateReader(maxLagUnits, maxLagBytes, listener);
            if (!_started)
            {
                _started = true;
                LogStarted(_logger, Kind, StreamName);
                _pump = Task.Run(PumpAsync);
            }

            return reader;
        }
    }

    /// <summary>Publishes one unit to every viewer (the pump; benchmarks and tests too).</summary>
    protected void Publish(TUnit unit, int length, bool isKeyframe) => _ring.Publish(unit, length, isKeyframe);

    /// <summary>Turns one hub frame into units and publishes them (the pump).</summary>
    /// <param name="frame">The frame.</param>
    /// <param name="arrival">Its hub arrival, or 0 when it came from the hub's GOP cache (not measured for latency).</param>
    protected abstract void Package(in MediaFrame frame, long arrival);

    /// <summary>The hub stream ended: publish what the packager still holds (the pump).</summary>
    protected virtual void EndOfStream()
    {
    }

    /// <summary>Called once when the source stops, on the thread that stopped it.</summary>
    protected abstract void OnStopped();

    /// <summary>Logs the pump's end with the kind's own counts.</summary>
    protected abstract void LogPumpEnded();

    internal void Leave(StreamRingReader<TUnit> reader)
    {
        bool last;
        lock (_gate)
        {
            reader.Dispose();
            last = _ring.ReaderCount == 0;
        }

        if (last)
        {
            StopPump();
        }
    }

    private async Task PumpAsync()
    {
        var token = _stop.Token;
        try
        {
            using var reader = Stream.CreateReader(_readerCapacity);
            // Frames that arrived before the reader existed come from the hub's GOP cache: not measured.
            var readerCreated = Stopwatch.GetTimestamp();
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    Package(frame, frame.ArrivalTimestamp >= readerCreated ? frame.ArrivalTimestamp : 0);
                }

                Volatile.Write(ref _droppedFrames, reader.DroppedFrames);
            }

            EndOfStream();
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // the last viewer left, or the server stops
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogFailed(_logger, Kind, StreamName, ex);
        }
        finally
        {
            if (MarkStopped())
            {
                OnStopped();
            }

            _ring.Complete(); // the pump is the ring's writer: it ends it
            LogPumpEnded();
        }
    }

    private void StopPump()
    {
        if (MarkStopped())
        {
            _stop.Cancel();
            OnStopped();
        }
    }

    private bool MarkStopped()
    {
        lock (_gate)
        {
            if (_isStopped)
            {
                return false;
            }

            _isStopped = true;
            return true;
        }
    }

    [LoggerMessage(1, LogLevel.Information, "{Kind} source for {StreamName} started")]
    private static partial void LogStarted(ILogger logger, string kind, string streamName);

    [LoggerMessage(3, LogLevel.Error, "{Kind} source for {StreamName} failed")]
    private static partial void LogFailed(ILogger logger, string kind, string streamName, Exception exception);
}
