using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Protocols.Rtmp.Amf0;

namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>
/// A raw RTMP client: sends what a test scripts (<see cref="Protocols.Tests.Rtmp.RtmpClientScript"/>, or bytes no
/// encoder would send) and reads the server's S0+S1+S2 and command replies, every description going to
/// <see cref="ReplyLeaks"/>.
/// </summary>
internal sealed class RtmpProbeClient : IAsyncDisposable
{
    private const int HandshakeReplyLength = 1 + (2 * 1536);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _input;
    private readonly RtmpChunkReader _chunks = new(RtmpLimits.Default);
    private readonly List<Amf0Value> _values = [];
    private readonly ReplyLeaks _replies;
    private bool _handshakeRead;

    private RtmpProbeClient(Socket socket, ReplyLeaks replies)
    {
        _socket = socket;
        _replies = replies;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
    }

    public static async Task<RtmpProbeClient> ConnectAsync(IPEndPoint server, IPAddress from, ReplyLeaks replies, CancellationToken token)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(from, 0));
            await socket.ConnectAsync(server, token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new RtmpProbeClient(socket, replies);
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken token) => _stream.WriteAsync(bytes, token);

    /// <summary>
    /// Reads the server's messages up to a command reply that <paramref name="match"/> accepts; null when the server
    /// closed the connection first.
    /// </summary>
    public async Task<RtmpReply?> ReadReplyAsync(Func<RtmpReply, bool> match, CancellationToken token)
    {
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _input.ReadAsync(token);
            }
            catch (IOException)
            {
                return null; // reset by the server
            }

            var buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            var found = ReadReplies(ref reader, match);
            _input.AdvanceTo(reader.Position, found is null ? buffer.End : reader.Position);
            if (found is not null)
                return found;
            if (result.IsCompleted)
                return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _input.CompleteAsync();
        await _stream.DisposeAsync();
        _socket.Dispose();
    }

    private RtmpReply? ReadReplies(ref SequenceReader<byte> reader, Func<RtmpReply, bool> match)
    {
        if (!_handshakeRead)
        {
            if (reader.Remaining < HandshakeReplyLength)
                return null;
            reader.Advance(HandshakeReplyLength);
            _handshakeRead = true;
        }

        while (true)
        {
            switch (_chunks.TryReadChunk(ref reader, out var message))
            {
                case RtmpChunkReadStatus.MessageComplete:
                    if (ReadCommand(message) is { } reply && match(reply))
                        return reply;
                    break;
                case RtmpChunkReadStatus.ChunkConsumed:
                    break;
                case RtmpChunkReadStatus.NeedMoreData:
                    return null;
                default:
                    throw new InvalidDataException("the server's chunk stream is malformed");
            }
        }
    }

    private RtmpReply? ReadCommand(in RtmpMessage message)
    {
        _values.Clear();
        if (message.Type != RtmpMessageType.CommandAmf0 || !Amf0Value.TryReadAll(message.Payload.Span, Amf0Limits.Default, _values) ||
            _values.Count < 2 || _values[0].Type != Amf0Type.String)
            return null;

        var info = _values.Count > 3 ? _values[3] : Amf0Value.Null;
        var code = info.TryGetProperty("code", out var c) ? c.Text : null;
        var description = info.TryGetProperty("description", out var d) ? d.Text : null;
        _replies.Add("RTMP " + _values[0].Text, $"{code} {description}");
        return new RtmpReply(_values[0].Text!, _values[1].Number, code, description);
    }
}
