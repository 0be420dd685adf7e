using EmsSharp.Protocols.Rtmp.Amf0;

namespace EmsSharp.Protocols.Rtmp;

/// <summary>The play side of a NetStream (RTMP 1.0 §7.2.2.1): a player asks for a stream, the server sends it.</summary>
public sealed partial class RtmpServerSession
{
    private const uint AudioChunkStream = 4;
    private const uint VideoChunkStream = 6;
    private const ushort StreamBeginEvent = 0; // §7.1.7
    private const ushort StreamEofEvent = 1; // §7.1.7

    // Message stream id -> the name asked for, from the play command until the stream stops; accepted once AcceptPlay ran.
    private readonly Dictionary<uint, (string Name, bool Accepted)> _plays = [];

    /// <summary>
    /// Accepts the play request of message stream <paramref name="messageStreamId"/> as FMS answers it (§7.2.2.1):
    /// Stream Begin (§7.1.7), <c>onStatus NetStream.Play.Reset</c> and <c>NetStream.Play.Start</c>,
    /// <c>|RtmpSampleAccess</c>, then <paramref name="metadata"/> (an <c>onMetaData</c> object) when given. Media follow with
    /// <see cref="WriteVideo"/> and <see cref="WriteAudio"/>.
    /// </summary>
    public void AcceptPlay(uint messageStreamId, string streamName, Amf0Value? metadata)
    {
        if (!_plays.TryGetValue(messageStreamId, out var play) || play.Accepted)
        {
            throw new InvalidOperationException($"Message stream {messageStreamId} asked for no play to accept.");
        }

        _plays[messageStreamId] = (play.Name, true);
        WriteUserControl(StreamBeginEvent, messageStreamId);
        WriteOnStatus(messageStreamId, "status", "NetStream.Play.Reset", $"Playing and resetting {streamName}.");
        WriteOnStatus(messageStreamId, "status", "NetStream.Play.Start", $"Started playing {streamName}.");
        // FMS lets the player's script read the media (Flash's BitmapData.draw, SoundMixer.computeSpectrum): harmless, and
        // players expect it before the media.
        WriteData(messageStreamId, [Amf0Value.FromString("|RtmpSampleAccess"), Amf0Value.FromBoolean(true), Amf0Value.FromBoolean(true)]);
        if (metadata is { } onMetaData)
        {
            WriteData(messageStreamId, [Amf0Value.FromString("onMetaData"), onMetaData]);
        }
    }

    /// <summary>
    /// Refuses a play request: <c>onStatus</c> at level <c>error</c> with <c>NetStream.Play.StreamNotFound</c> or
    /// <c>NetStream.Play.Failed</c> (a player such as ffmpeg gives up on an error). The message stream may ask again.
    /// </summary>
    public void RejectPlay(uint messageStreamId, RtmpPlayRefusal refusal, string description)
    {
        _plays.Remove(messageStreamId);
        var code = refusal == RtmpPlayRefusal.StreamNotFound ? "NetStream.Play.StreamNotFound" : "NetStream.Play.Failed";
        WriteOnStatus(messageStreamId, "error", code, description);
    }

    /// <summary>
    /// Ends an accepted play because the stream ended (or was shut down): Stream EOF (§7.1.7), then
    /// <c>NetStream.Play.UnpublishNotify</c> and <c>NetStream.Play.Stop</c>, on which players stop reading.
    /// </summary>
    public void EndPlay(uint messageStreamId, string description)
    {
        if (!_plays.Remove(messageStreamId, out var play) || !play.Accepted)
        {
            return;
        }

        WriteUserControl(StreamEofEvent, messageStreamId);
        WriteOnStatus(messageStreamId, "status", "NetStream.Play.UnpublishNotify", description);
        WriteOnStatus(messageStreamId, "status", "NetStream.Play.Stop", description);
    }

    /// <summary>
    /// Sends one video message (§7.1.5): <paramref name="tagHeader"/> (the FLV video tag header, FLV v10.1 E.4.3.1) followed by
    /// <paramref name="body"/>, at <paramref name="timestamp"/> ms. Only on an accepted play.
    /// </summary>
    public void WriteVideo(uint messageStreamId, uint timestamp, ReadOnlySpan<byte> tagHeader, ReadOnlySpan<byte> body) =>
        WriteMedia(messageStreamId, RtmpMessageType.Video, VideoChunkStream, timestamp, tagHeader, body);

    /// <summary>Sends one audio message (§7.1.4): the FLV audio tag header (E.4.2.1) then <paramref name="body"/>.</summary>
    public void WriteAudio(uint messageStreamId, uint timestamp, ReadOnlySpan<byte> tagHeader, ReadOnlySpan<byte> body) =>
        WriteMedia(messageStreamId, RtmpMessageType.Audio, AudioChunkStream, timestamp, tagHeader, body);

    /// <summary>Bytes waiting in the transmit buffer (a driver bounds what it queues by this before sending).</summary>
    public int PendingTransmitBytes => _transmitTaken ? 0 : _output.WrittenCount;

    private bool IsPlaying(uint messageStreamId) => _plays.ContainsKey(messageStreamId);

    private void WriteMedia(
        uint messageStreamId, RtmpMessageType type, uint chunkStream, uint timestamp, ReadOnlySpan<byte> tagHeader, ReadOnlySpan<byte> body)
    {
        if (!_plays.TryGetValue(messageStreamId, out var play) || !play.Accepted)
        {
            throw new InvalidOperationException($"Message stream {messageStreamId} is not playing.");
        }

        ReleaseTransmit();
        _writer.Write(_output, chunkStream, (byte)type, timestamp, messageStreamId, tagHeader, body);
    }

    // §7.2.2.1: play(name, start, duration, reset) on a created message stream. The name is reported as sent, query
    // included (a read key rides there: "name?key=..."); the driver decides.
    private bool HandlePlay(uint messageStreamId, double transactionId)
    {
        _ = transactionId; // §7.2.2.1: play gets no _result; onStatus answers it
        if (App is null || !_streams.TryGetValue(messageStreamId, out var published))
        {
            return Fail("play before connect/createStream");
        }

        var name = ArgumentText(3);
        if (string.IsNullOrEmpty(name) || name[0] == '?')
        {
            RejectPlay(messageStreamId, RtmpPlayRefusal.Failed, "A stream name is required.");
            return true;
        }

        if (published is not null || _plays.ContainsKey(messageStreamId))
        {
            WriteOnStatus(messageStreamId, "error", "NetStream.Play.Failed", "This stream is already publishing or playing.");
            return true;
        }

        _plays[messageStreamId] = (name, false);
        _events.Enqueue(new RtmpServerEvent(RtmpServerEventKind.PlayRequested, messageStreamId, name, 0, default, default));
        return true;
    }

    // closeStream, deleteStream (§7.2.2.3), or the end of the connection's use of the stream.
    private void EndPlaying(uint messageStreamId)
    {
        if (_plays.Remove(messageStreamId, out var play))
        {
            _events.Enqueue(new RtmpServerEvent(RtmpServerEventKind.PlayStopped, messageStreamId, play.Name, 0, default, default));
        }
    }

    private void WriteData(uint messageStreamId, Amf0Value[] values)
    {
        ReleaseTransmit();
        _writer.Write(_output, StreamChunkStream,
            new RtmpMessage((byte)RtmpMessageType.DataAmf0, 0, messageStreamId, Amf0Value.WriteAll(values)));
    }
}
