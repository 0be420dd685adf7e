using System.Buffers.Binary;
using EmsSharp.Protocols.Rtmp.Amf0;

namespace EmsSharp.Protocols.Rtmp;

/// <summary>NetConnection and NetStream commands of a publisher and a player (RTMP 1.0 §7.2).</summary>
public sealed partial class RtmpServerSession
{
    private const int MaxStreams = 16;

    // Message stream id -> published name (null while created but not publishing).
    private readonly Dictionary<uint, string?> _streams = [];
    private readonly List<Amf0Value> _values = [];
    private uint _lastStreamId;

    /// <summary>Accepts the publish request of message stream <paramref name="messageStreamId"/>: sends
    /// Stream Begin and <c>NetStream.Publish.Start</c>; media of that stream is reported from now on.</summary>
    public void AcceptPublish(uint messageStreamId, string streamName)
    {
        _streams[messageStreamId] = streamName;
        WriteUserControl(0, messageStreamId); // §7.1.7 Stream Begin
        WriteOnStatus(messageStreamId, "status", "NetStream.Publish.Start", $"{streamName} is now published.");
    }

    /// <summary>Refuses a publish request with <c>NetStream.Publish.BadName</c> (e.g. the name is live).</summary>
    public void RejectPublish(uint messageStreamId, string description) =>
        WriteOnStatus(messageStreamId, "error", "NetStream.Publish.BadName", description);

    private bool IsPublishing(uint messageStreamId) =>
        _streams.TryGetValue(messageStreamId, out var name) && name is not null;

    private bool HandleCommand(in RtmpMessage message)
    {
        // §7.1.1: an AMF3 command message starts with a format byte, then AMF0 values.
        var body = message.Payload.Span;
        if (message.Type == RtmpMessageType.CommandAmf3 && body.Length > 0)
        {
            body = body[1..];
        }

        _values.Clear();
        if (!Amf0Value.TryReadAll(body, Amf0Limits.Default, _values) || _values.Count < 2 ||
            _values[0].Type != Amf0Type.String || _values[1].Type != Amf0Type.Number)
        {
            return Fail("malformed command");
        }

        var name = _values[0].Text!;
        var transactionId = _values[1].Number;
        switch (name)
        {
            case "connect":
                return HandleConnect(transactionId);
            case "createStream":
                return HandleCreateStream(transactionId);
            case "publish":
                return HandlePublish(message.MessageStreamId, transactionId);
            case "play":
                return HandlePlay(message.MessageStreamId, transactionId);
            case "getStreamLength":
                // A live stream has no length (ffmpeg asks before play): 0.
                WriteResult(transactionId, Amf0Value.FromNumber(0));
                return true;
            case "FCSubscribe":
            case "FCUnsubscribe":
            case "releaseStream":
            case "FCPublish":
                WriteResult(transactionId, Amf0Value.Undefined);
                return true;
            case "FCUnpublish":
                EndPublishing(FindStream(ArgumentText(3)));
                WriteResult(transactionId, Amf0Value.Undefined);
                return true;
            case "closeStream":
                EndPublishing(message.MessageStreamId);
                EndPlaying(message.MessageStreamId);
                return true;
            case "deleteStream":
                {
                    var id = _values.Count > 3 && _values[3].Type == Amf0Type.Number ? (uint)_values[3].Number : 0;
                    EndPublishing(id);
                    EndPlaying(id);
                    _streams.Remove(id);
                    return true;
                }

            default:
                // §7.2: unknown calls with a transaction id get an error; the connection stays up.
                if (transactionId != 0)
                {
                    WriteCommand(0, "_error", transactionId, Amf0Value.Null,
                        Status("error", "NetConnection.Call.Failed", $"Method not found ({name})."));
                }

                return true;
        }
    }

    // §7.2.1.1: connect → Window Acknowledgement Size, Set Peer Bandwidth, _result.
    private bool HandleConnect(double transactionId)
    {
        App = _values.Count > 2 && _values[2].TryGetProperty("app", out var app) && app.Type == Amf0Type.String
            ? app.Text!.TrimEnd('/')
            : string.Empty;

        Span<byte> body = stackalloc byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(body, WindowSize);
        WriteControl(RtmpMessageType.WindowAcknowledgementSize, body[..4]);
        body[4] = 2; // dynamic limit type (§5.4.5)
        WriteControl(RtmpMessageType.SetPeerBandwidth, body);
        BinaryPrimitives.WriteUInt32BigEndian(body, OutgoingChunkSize);
        WriteControl(RtmpMessageType.SetChunkSize, body[..4]);
        _writer.ChunkSize = OutgoingChunkSize;

        var properties = Amf0Value.FromObject(
        [
            new("fmsVer", Amf0Value.FromString("FMS/3,0,1,123")),
            new("capabilities", Amf0Value.FromNumber(31)),
        ]);
        var information = Amf0Value.FromObject(
        [
            new("level", Amf0Value.FromString("status")),
            new("code", Amf0Value.FromString("NetConnection.Connect.Success")),
            new("description", Amf0Value.FromString("Connection succeeded.")),
            new("objectEncoding", Amf0Value.FromNumber(0)),
        ]);
        WriteCommand(0, "_result", transactionId, properties, information);
        return true;
    }

    // §7.2.1.3: createStream → _result with the new message stream id.
    private bool HandleCreateStream(double transactionId)
    {
        if (_streams.Count >= MaxStreams)
        {
            return Fail("too many streams");
        }

        var id = ++_lastStreamId;
        _streams.Add(id, null);
        WriteResult(transactionId, Amf0Value.FromNumber(id));
        return true;
    }

    // §7.2.2.6: publish(name, type) on a created message stream.
    private bool HandlePublish(uint messageStreamId, double transactionId)
    {
        _ = transactionId;
        if (App is null || !_streams.TryGetValue(messageStreamId, out var current))
        {
            return Fail("publish before connect/createStream");
        }

        // The event carries the name as sent, query included (OBS and ffmpeg put a stream key there: "name?key=..."):
        // the driver decides what the query means.
        var name = ArgumentText(3);
        if (string.IsNullOrEmpty(name) || name[0] == '?' || current is not null || IsPlaying(messageStreamId))
        {
            RejectPublish(messageStreamId, "A stream name is required, once per stream.");
            return true;
        }

        _events.Enqueue(new RtmpServerEvent(RtmpServerEventKind.PublishRequested, messageStreamId, name, 0, default, default));
        return true;
    }

    // §7.1.2: @setDataFrame("onMetaData", data) from encoders, or onMetaData(data) directly.
    private bool HandleData(in RtmpMessage message)
    {
        var body = message.Payload.Span;
        if (message.Type == RtmpMessageType.DataAmf3 && body.Length > 0)
        {
            body = body[1..];
        }

        _values.Clear();
        if (!Amf0Value.TryReadAll(body, Amf0Limits.Default, _values) || !IsPublishing(message.MessageStreamId))
        {
            // Data is advisory: a malformed or early one is ignored, not fatal.
            return true;
        }

        var index = _values.Count > 0 && _values[0].Text == "@setDataFrame" ? 1 : 0;
        if (_values.Count > index + 1 && _values[index].Text == "onMetaData" &&
            _values[index + 1].Type is Amf0Type.Object or Amf0Type.EcmaArray)
        {
            _events.Enqueue(new RtmpServerEvent(RtmpServerEventKind.Metadata, message.MessageStreamId, null,
                message.Timestamp, default, _values[index + 1]));
        }

        return true;
    }

    private void EndPublishing(uint messageStreamId)
    {
        if (_streams.TryGetValue(messageStreamId, out var name) && name is not null)
        {
            _streams[messageStreamId] = null;
            _events.Enqueue(new RtmpServerEvent(RtmpServerEventKind.Unpublished, messageStreamId, name, 0, default, default));
        }
    }

    private uint FindStream(string? name)
    {
        foreach (var (id, published) in _streams)
        {
            if (published is not null && published == name)
            {
                return id;
            }
        }

        return 0;
    }

    private string? ArgumentText(int index) =>
        _values.Count > index && _values[index].Type is Amf0Type.String or Amf0Type.LongString ? _values[index].Text : null;

    private void WriteResult(double transactionId, Amf0Value value) =>
        WriteCommand(0, "_result", transactionId, Amf0Value.Null, value);

    private void WriteOnStatus(uint messageStreamId, string level, string code, string description) =>
        WriteCommand(messageStreamId, "onStatus", 0, Amf0Value.Null, Status(level, code, description));

    private static Amf0Value Status(string level, string code, string description) => Amf0Value.FromObject(
    [
        new("level", Amf0Value.FromString(level)),
        new("code", Amf0Value.FromString(code)),
        new("description", Amf0Value.FromString(description)),
    ]);

    private void WriteCommand(uint messageStreamId, string name, double transactionId, Amf0Value first, Amf0Value second)
    {
        var body = Amf0Value.WriteAll([Amf0Value.FromString(name), Amf0Value.FromNumber(transactionId), first, second]);
        var chunkStream = messageStreamId == 0 ? CommandChunkStream : StreamChunkStream;
        _writer.Write(_output, chunkStream, new RtmpMessage((byte)RtmpMessageType.CommandAmf0, 0, messageStreamId, body));
    }
}
