using EmsSharp.Media.Hub;
using EmsSharp.Media.Ts;
using EmsSharp.Server.Delivery.Fmp4;

namespace EmsSharp.Server.Recording;

/// <summary>
/// An MPEG-TS file (ISO/IEC 13818-1) made by <see cref="TsMuxer"/>: H.264 and AAC; a track it cannot carry (Opus, G.711)
/// is left out and its frames count as not recordable, as in an FLV file. Each frame's PES is written whole and flushed
/// to the system: a transport stream is readable up to its last complete packet, so a crash of the server loses at most
/// the frame being written. Per PES rather than per keyframe interval because a PES is already one write of a whole
/// number of packets (the muxer's buffer), so the flush costs no extra system call for a video frame of 64 KB or more
/// and one per smaller frame (some 80 a second at 30 fps with AAC), and a GOP of several seconds is not lost.
/// </summary>
internal sealed class TsRecordWriter : IRecordFileWriter
{
    private readonly Stream _file;
    private readonly TsMuxer _muxer;
    private readonly VideoTrackConfig? _video;
    private readonly AudioTrackConfig? _audio;

    /// <exception cref="InvalidDataException">The stream has no track a transport stream can carry (H.264, AAC).</exception>
    public TsRecordWriter(Stream file, LiveStream stream)
    {
        _file = file;
        _video = stream.Video;
        _audio = stream.Audio;
        _muxer = new TsMuxer(_video, _audio);
        if (!_muxer.CarriesVideo && !_muxer.CarriesAudio)
        {
            throw new InvalidDataException($"stream {stream.Name} has no track a ts file can carry (H.264, AAC)");
        }
    }

    /// <summary>The audio track's codec when the file leaves it out (it is not AAC), else null.</summary>
    public MediaCodec? LeftOutAudio => _audio is not null && !_muxer.CarriesAudio ? _audio.Codec : null;

    public long Frames { get; private set; }

    public long Bytes { get; private set; }

    public bool Accepts(LiveStream stream) =>
        Fmp4Tracks.SameVideo(_video, stream.Video) && Fmp4Tracks.SameAudio(_audio, stream.Audio);

    public bool Write(in MediaFrame frame)
    {
        if (!_muxer.Write(frame))
        {
            return false;
        }

        var packets = _muxer.Packets;
        _file.Write(packets);
        _file.Flush();
        Bytes += packets.Length;
        Frames++;
        return true;
    }

    public void Finish() => RecordFile.FlushToDisk(_file);

    public void Dispose() => _file.Dispose();
}
