using EmsSharp.Media.Fmp4;
using EmsSharp.Media.Hub;

namespace EmsSharp.Server.Delivery.Fmp4;

/// <summary>
/// Sans-IO: turns one live stream's hub frames into framed §4.2 packets (PROTOCOL.md), once per stream.
/// Builds the <see cref="Fmp4Muxer"/> from the stream's track configurations and rebuilds it (with a new
/// HEADER_MOOV packet) when a configuration's bytes change. H.264 video and AAC or Opus audio are carried; frames
/// of other codecs, or before any usable configuration, are dropped and counted.
/// </summary>
internal sealed class Fmp4StreamPackager(Fmp4MuxerOptions? muxerOptions = null)
{
    private readonly Queue<Fmp4Packet> _output = new();
    private Fmp4Muxer? _muxer;
    private VideoTrackConfig? _video;
    private AudioTrackConfig? _audio;
    private bool _configured;

    /// <summary>The current HEADER_MOOV packet, or null before the first usable configuration.</summary>
    public Fmp4Packet? Init { get; private set; }

    /// <summary>Frames dropped here: no usable track for them, or the muxer refused them.</summary>
    public long DroppedFrames { get; private set; }

    private long _pendingArrival;
    private bool _hasPending;

    /// <summary>Fragments framed so far.</summary>
    public long Fragments { get; private set; }

    /// <summary>
    /// Adds one frame, with the stream's track configurations as they are now. Drain the packets it made
    /// with <see cref="TryPollPacket"/>.
    /// </summary>
    public void Push(in MediaFrame frame, VideoTrackConfig? video, AudioTrackConfig? audio)
    {
        if (!_configured || !Fmp4Tracks.SameVideo(_video, video) || !Fmp4Tracks.SameAudio(_audio, audio))
        {
            Rebuild(video, audio);
        }
        else
        {
            _video = video; // same bytes (say, new dimensions): keep the muxer, compare by reference next time
            _audio = audio;
        }

        var muxer = _muxer;
        if (muxer is null)
        {
            DroppedFrames++;
            return;
        }

        var before = muxer.DroppedSamples;
        if (!Fmp4Tracks.TryPush(muxer, frame, _audio))
        {
            DroppedFrames++;
            return;
        }

        DroppedFrames += muxer.DroppedSamples - before;
        // The fragments this push completes hold the frames pushed since the last fragment; the muxer holds the
        // newest frame back for the next one (or, for audio only, may already have closed it: counted as waiting).
        var pending = _hasPending ? _pendingArrival : frame.ArrivalTimestamp;
        var emitted = PollFragments(muxer, pending);
        if (emitted || !_hasPending)
        {
            _pendingArrival = frame.ArrivalTimestamp;
            _hasPending = true;
        }
    }

    /// <summary>Ends the stream: the samples the muxer held back become a last fragment.</summary>
    public void Flush()
    {
        if (_muxer is { } muxer)
        {
            muxer.Flush();
            PollFragments(muxer, _hasPending ? _pendingArrival : 0);
            _hasPending = false;
        }
    }

    /// <summary>Takes the next packet (init or fragment) in stream order.</summary>
    public bool TryPollPacket(out Fmp4Packet packet) => _output.TryDequeue(out packet!);

    private void Rebuild(VideoTrackConfig? video, AudioTrackConfig? audio)
    {
        _configured = true;
        _video = video;
        _audio = audio;
        var muxer = Fmp4Tracks.CreateMuxer(video, audio, muxerOptions);
        if (muxer is null)
        {
            _muxer = null;
            return;
        }

        var bytes = new byte[Fmp4StreamWriter.GetInitPacketLength(muxer)];
        if (!Fmp4StreamWriter.TryWriteInit(bytes, muxer, out _))
        {
            _muxer = null; // an init segment past the 24-bit size: nothing a player could use
            return;
        }

        _muxer = muxer;
        Init = new Fmp4Packet(bytes, isInit: true, startsWithKeyframe: true);
        _output.Enqueue(Init);
    }

    /// <summary>Whether two video configurations have the same codec and decoder configuration bytes.</summary>
    public static bool SameVideo(VideoTrackConfig? a, VideoTrackConfig? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.Codec == b.Codec
            && a.DecoderConfiguration.Span.SequenceEqual(b.DecoderConfiguration.Span));

    /// <summary>Whether two audio configurations have the same codec and decoder configuration bytes.</summary>
    public static bool SameAudio(AudioTrackConfig? a, AudioTrackConfig? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.Codec == b.Codec
            && a.DecoderConfiguration.Span.SequenceEqual(b.DecoderConfiguration.Span));

    private bool PollFragments(Fmp4Muxer muxer, long arrival)
    {
        var emitted = false;
        while (muxer.TryPollFragment(out var fragment))
        {
            var bytes = new byte[Fmp4StreamWriter.GetFragmentLength(fragment)];
            if (!Fmp4StreamWriter.TryWriteFragment(bytes, fragment, out _))
            {
                DroppedFrames += fragment.VideoSampleCount + fragment.AudioSampleCount;
                continue;
            }

            Fragments++;
            emitted = true;
            _output.Enqueue(new Fmp4Packet(bytes, isInit: false, fragment.StartsWithKeyframe || muxer.Video is null)
            {
                ArrivalTimestamp = arrival,
                Init = Init,
            });
        }

        return emitted;
    }
}
