using EmsSharp.Media.Hub;
using EmsSharp.Media.Ring;

namespace EmsSharp.Server.Delivery.Rtp;

/// <summary>
/// The shared srtp delivery of one live stream: ONE reader of the hub and ONE RTP packetizer for all viewers.
/// Every frame is turned into RTP payloads once (<see cref="RtpAccessUnit"/>, immutable) and written once into the
/// source's ring, which the <see cref="RtpSubscription"/>s read by reference; each only adds its own header, SRTP and
/// sends. Create through <see cref="RtpSourceManager"/>.
/// </summary>
internal sealed partial class RtpStreamSource : SharedStreamSource<RtpAccessUnit>, ISharedStreamSource<RtpSubscription>
{
    private readonly RtpAccessUnitPackager _packager = new();
    private readonly ILogger _logger;
    private readonly Action<RtpStreamSource>? _stopped;

    internal RtpStreamSource(LiveStream stream, RtpSourceOptions options, ILogger logger, Action<RtpStreamSource>? stopped)
        : base(stream, options.RingOptions, options.ReaderCapacity, logger)
    {
        _logger = logger;
        _stopped = stopped;
    }

    /// <summary>Access units packaged and fanned out so far.</summary>
    public long Units => Published;

    /// <inheritdoc />
    protected override string Kind => "RTP";

    /// <summary>
    /// Attaches a viewer: it gets the GOP cache, then live access units. Starts the pump for the first viewer.
    /// Null when the source has stopped (ask the manager for a new one). <paramref name="queueUnits"/> and
    /// <paramref name="queueBytes"/> bound how far this viewer may lag (0: the <see cref="RtpSourceOptions"/> defaults);
    /// <paramref name="listener"/> is the viewer's worker, told of each unit.
    /// </summary>
    public RtpSubscription? TrySubscribe(int queueUnits = 0, long queueBytes = 0, IStreamRingListener? listener = null) =>
        TryAttach(queueUnits, queueBytes, listener) is { } reader ? new RtpSubscription(this, reader) : null;

    RtpSubscription? ISharedStreamSource<RtpSubscription>.Subscribe(IStreamRingListener? listener) => TrySubscribe(listener: listener);

    /// <summary>Fans out one access unit (the pump calls this; benchmarks too).</summary>
    internal void Publish(RtpAccessUnit unit) => Publish(unit, unit.Length, unit.IsKeyframe);

    /// <inheritdoc />
    protected override void Package(in MediaFrame frame, long arrival)
    {
        if (_packager.TryPackage(frame, Stream.Video, arrival, out var unit))
        {
            Publish(unit!);
        }
    }

    /// <inheritdoc />
    protected override void OnStopped() => _stopped?.Invoke(this);

    /// <inheritdoc />
    protected override void LogPumpEnded() => LogStopped(_logger, StreamName, Units, DroppedFrames);

    [LoggerMessage(2, LogLevel.Information, "RTP source for {StreamName} stopped ({Units} access units, {Dropped} frames dropped)")]
    private static partial void LogStopped(ILogger logger, string streamName, long units, long dropped);
}
