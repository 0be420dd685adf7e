using System.Buffers.Binary;
using EmsSharp.Media.Flv;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Protocols.Rtmp.Amf0;
using EmsSharp.Server.Ingest;

namespace EmsSharp.Server.Recording;

/// <summary>
/// An FLV file (FLV v10.1 Annex E): the file header, an <c>onMetaData</c> script tag, then the tags an RTMP player gets
/// from <see cref="RtmpPlayer"/> (the AVC and AAC sequence headers before a track's first frame and whenever they change,
/// timestamps from 0 at the file's first frame). Flushed to the system at each video keyframe and every
/// <see cref="FlushEveryFrames"/> frames.
/// </summary>
internal sealed class FlvRecordWriter : IRecordFileWriter, IRtmpMediaSink
{
    private const int FlushEveryFrames = 64;
    private readonly Stream _file;
    private readonly RtmpPlayer _player;
    private readonly byte[] _header = new byte[FlvTagHeader.Size];
    private int _unflushed;

    public FlvRecordWriter(Stream file, LiveStreamReader reader)
    {
        _file = file;
        _player = new RtmpPlayer(0, reader); // writes only: the reader stays the recording's
        var stream = reader.Stream;
        Span<byte> start = stackalloc byte[FlvFileHeader.Size + 4];
        new FlvFileHeader(stream.Audio is not null, stream.Video is not null, FlvFileHeader.Size).TryWrite(start, out _);
        start[FlvFileHeader.Size..].Clear(); // PreviousTagSize0
        _file.Write(start);
        Bytes = start.Length;
        var metadata = Amf0Value.WriteAll([Amf0Value.FromString("onMetaData"), RtmpPlayer.Metadata(stream)]);
        WriteTag(FlvTagType.Script, 0, [], metadata);
        _file.Flush();
    }

    public long Frames { get; private set; }

    public long Bytes { get; private set; }

    int IRtmpMediaSink.PendingTransmitBytes => 0;

    public bool Accepts(LiveStream stream) => true; // a new sequence header follows a change

    public bool Write(in MediaFrame frame)
    {
        if (_player.Write(this, frame) < 0)
        {
            return false;
        }

        Frames++;
        if (++_unflushed >= FlushEveryFrames || (frame.Kind == TrackKind.Video && frame.IsKeyframe))
        {
            _file.Flush();
            _unflushed = 0;
        }

        return true;
    }

    public void Finish() => RecordFile.FlushToDisk(_file);

    public void Dispose() => _file.Dispose();

    void IRtmpMediaSink.WriteVideo(uint messageStreamId, uint timestamp, ReadOnlySpan<byte> tagHeader, ReadOnlySpan<byte> body) =>
        WriteTag(FlvTagType.Video, timestamp, tagHeader, body);

    void IRtmpMediaSink.WriteAudio(uint messageStreamId, uint timestamp, ReadOnlySpan<byte> tagHeader, ReadOnlySpan<byte> body) =>
        WriteTag(FlvTagType.Audio, timestamp, tagHeader, body);

    // E.4.1: tag header, body, then PreviousTagSize (header + body).
    private void WriteTag(FlvTagType type, uint timestamp, ReadOnlySpan<byte> tagHeader, ReadOnlySpan<byte> body)
    {
        var size = tagHeader.Length + body.Length;
        new FlvTagHeader(type, size, timestamp).TryWrite(_header, out _);
        _file.Write(_header);
        _file.Write(tagHeader);
        _file.Write(body);
        Span<byte> previous = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(previous, (uint)(FlvTagHeader.Size + size));
        _file.Write(previous);
        Bytes += FlvTagHeader.Size + size + 4;
    }
}
