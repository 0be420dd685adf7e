using EmsSharp.Media.Fmp4;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Fmp4;

namespace EmsSharp.Server.Recording;

/// <summary>
/// A fragmented MP4 file (ISO/IEC 14496-12 §8.8) made by the <see cref="Fmp4Muxer"/> WS-FMP4 viewers use: its init segment
/// (ftyp+moov) first, then each fragment (moof+mdat) as the muxer completes it, written whole and flushed to the system, so
/// a crash of the server loses at most the fragment being built (see <see cref="RecordOptions.FragmentDuration"/>).
/// The file is complete at any fragment boundary; players read its duration from the fragments.
/// </summary>
internal sealed class Mp4RecordWriter : IRecordFileWriter
{
    private readonly Stream _file;
    private readonly Fmp4Muxer _muxer;
    private readonly VideoTrackConfig? _video;
    private readonly AudioTrackConfig? _audio;

    /// <exception cref="InvalidDataException">The stream has no track MP4 can carry (H.264, AAC, Opus).</exception>
    public Mp4RecordWriter(Stream file, LiveStream stream, TimeSpan fragmentDuration)
    {
        _file = file;
        _video = stream.Video;
        _audio = stream.Audio;
        _muxer = Fmp4Tracks.CreateMuxer(_video, _audio, new Fmp4MuxerOptions { MaxFragmentDuration = fragmentDuration })
            ?? throw new InvalidDataException($"stream {stream.Name} has no track an mp4 file can carry (H.264, AAC, Opus)");
        _file.Write(_muxer.InitSegment);
        _file.Flush();
        Bytes = _muxer.InitSegment.Length;
    }

    public long Frames { get; private set; }

    public long Bytes { get; private set; }

    public bool Accepts(LiveStream stream) =>
        Fmp4StreamPackager.SameVideo(_video, stream.Video) && Fmp4StreamPackager.SameAudio(_audio, stream.Audio);

    public bool Write(in MediaFrame frame)
    {
        var before = _muxer.DroppedSamples;
        if (frame.Kind == TrackKind.Video && _muxer.Video is not null && frame.Codec == MediaCodec.H264)
        {
            _muxer.PushVideo(frame.Payload.Span, frame.Dts, frame.Pts, frame.IsKeyframe);
        }
        else if (frame.Kind == TrackKind.Audio && _muxer.Audio is not null && frame.Codec == _audio!.Codec)
        {
            _muxer.PushAudio(frame.Payload.Span, frame.Dts);
        }
        else
        {
            return false;
        }

        WriteFragments();
        if (_muxer.DroppedSamples != before)
        {
            return false;
        }

        Frames++;
        return true;
    }

    public void Finish()
    {
        _muxer.Flush();
        WriteFragments();
        RecordFile.FlushToDisk(_file);
    }

    public void Dispose() => _file.Dispose();

    private void WriteFragments()
    {
        var wrote = false;
        while (_muxer.TryPollFragment(out var fragment))
        {
            _file.Write(fragment.Moof.Span);
            _file.Write(fragment.MdatHeader.Span);
            _file.Write(fragment.Video.Span);
            _file.Write(fragment.Audio.Span);
            Bytes += fragment.Length;
            wrote = true;
        }

        if (wrote)
        {
            _file.Flush(); // the whole fragment reaches the system: a crash of the server from now on cannot lose it
        }
    }
}
