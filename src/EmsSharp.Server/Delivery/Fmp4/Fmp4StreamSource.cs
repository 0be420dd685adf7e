using EmsSharp.Media.Fmp4;
using EmsSharp.Media.Hub;
using EmsSharp.Media.Ring;

namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>
/// The shared fMP4 delivery of one live stream: ONE reader of the hub and ONE muxer for all viewers. Every fragment is
/// framed once into an immutable <see cref="Fmp4Packet"/> (which names the HEADER_MOOV packet it plays with) and
/// written once into the source's ring, which the <see cref="Fmp4Subscription"/>s read by reference. Create through
/// <see cref="Fmp4SourceManager"/>.
/// </summary>
internal sealed partial class Fmp4StreamSource : SharedStreamSource<Fmp4Packet>, ISharedStreamSource<Fmp4Subscription>
{
    private readonly Fmp4StreamPackager _packager;
    private readonly ILogger _logger;
    private readonly Action<Fmp4StreamSource>? _stopped;
    private Fmp4Packet? _init;

    internal Fmp4StreamSource(LiveStream stream, Fmp4SourceOptions options, ILogger logger, Action<Fmp4StreamSource>? stopped)
        : base(stream, options.RingOptions, options.ReaderCapacity, logger)
    {
        _packager = new Fmp4StreamPackager(new Fmp4MuxerOptions { MaxFragmentDuration = options.MaxFragmentDuration });
        _logger = logger;
        _stopped = stopped;
    }

    /// <summary>Fragments framed and fanned out so far.</summary>
    public long Fragments => Published;

    /// <summary>The HEADER_MOOV packet of the current muxer, once the stream has a usable track.</summary>
    internal Fmp4Packet? Init => Volatile.Read(ref _init);

    /// <inheritdoc />
    protected override string Kind => "fMP4";

    /// <summary>
    /// Attaches a viewer: it gets the current init packet, the GOP cache, then live fragments. Starts the pump for the
    /// first viewer. Null when the source has stopped (ask the manager for a new one). <paramref name="queueFragments"/>
    /// and <paramref name="queueBytes"/> bound how far this viewer may lag (0: the <see cref="Fmp4SourceOptions"/> defaults);
    /// <paramref name="listener"/> is the viewer's worker, told of each fragment.
    /// </summary>
    public Fmp4Subscription? TrySubscribe(int queueFragments = 0, long queueBytes = 0, IStreamRingListener? listener = null) =>
        TryAttach(queueFragments, queueBytes, listener) is { } reader ? new Fmp4Subscription(this, reader) : null;

    Fmp4Subscription? ISharedStreamSource<Fmp4Subscription>.Subscribe(IStreamRingListener? listener) => TrySubscribe(listener: listener);

    /// <summary>Fans out one fragment (the pump calls this; benchmarks too). Init packets travel with their fragments.</summary>
    internal void Publish(Fmp4Packet fragment) => Publish(fragment, fragment.Length, fragment.StartsWithKeyframe);

    /// <inheritdoc />
    protected override void Package(in MediaFrame frame, long arrival)
    {
        _packager.Push(frame with { ArrivalTimestamp = arrival }, Stream.Video, Stream.Audio);
        Drain();
    }

    /// <inheritdoc />
    protected override void EndOfStream()
    {
        _packager.Flush();
        Drain();
    }

    /// <inheritdoc />
    protected override void OnStopped() => _stopped?.Invoke(this);

    /// <inheritdoc />
    protected override void LogPumpEnded() => LogStopped(_logger, StreamName, Fragments, _packager.DroppedFrames);

    private void Drain()
    {
        while (_packager.TryPollPacket(out var packet))
        {
            if (packet.IsInit)
            {
                Volatile.Write(ref _init, packet); // sent at once to a viewer that has none yet
            }
            else
            {
                Publish(packet);
            }
        }
    }

    [LoggerMessage(2, LogLevel.Information, "fMP4 source for {StreamName} stopped ({Fragments} fragments, {Dropped} frames dropped)")]
    private static partial void LogStopped(ILogger logger, string streamName, long fragments, long dropped);
}
