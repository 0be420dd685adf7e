using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using EmsSharp.Protocols.SocketIo;

namespace EmsSharp.Rendezvous.Tests;

/// <summary>A bare socket.io rev 1 client for tests: handshake, websocket, frames into a channel.</summary>
internal sealed class SocketIoTestClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket = new();
    private readonly Channel<SocketIoFrame> _frames = Channel.CreateUnbounded<SocketIoFrame>();
    private readonly List<SocketIoFrame> _seen = [];
    private Task? _reader;
    private long _nextId;
    private volatile TaskCompletionSource? _paused;

    public string Sid { get; private set; } = string.Empty;

    public WebSocketState State => _socket.State;

    /// <summary>Completes when the server closed the socket.</summary>
    public Task Closed => _reader ?? Task.CompletedTask;

    public static async Task<string> HandshakeAsync(int port)
    {
        using HttpClient http = new();
        return await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/socket.io/1/?t=1"));
    }

    public static async Task<SocketIoTestClient> ConnectAsync(int port, bool expectConnect = true)
    {
        string body = await HandshakeAsync(port);
        SocketIoTestClient client = new() { Sid = body.Split(':')[0] };
        await client.OpenAsync(port, client.Sid);
        if (expectConnect)
        {
            SocketIoFrame first = await client.NextFrameAsync();
            Assert.Equal(SocketIoFrameType.Connect, first.Type);
        }

        return client;
    }

    public async Task OpenAsync(int port, string sid)
    {
        Sid = sid;
        using CancellationTokenSource cts = new(Timeout);
        await _socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/socket.io/1/websocket/{sid}"), cts.Token);
        _reader = ReadLoopAsync();
    }

    public Task SendRawAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    public Task SendAsync(SocketIoFrame frame) => SendRawAsync(frame.ToString());

    /// <summary>Emits an event; with <paramref name="withAck"/> returns the ack id used.</summary>
    public async Task<long?> EmitAsync(string name, bool withAck, params object?[] args)
    {
        JsonElement[] elements = Array.ConvertAll(args, a => JsonSerializer.SerializeToElement(a));
        long? id = withAck ? Interlocked.Increment(ref _nextId) : null;
        await SendAsync(SocketIoPayload.EventFrame(name, id, elements));
        return id;
    }

    /// <summary>Emits <c>join</c> and returns the ack args.</summary>
    public async Task<JsonElement> JoinAsync(string room, object options)
    {
        long id = (await EmitAsync("join", true, room, options))!.Value;
        SocketIoFrame ack = await NextFrameAsync(f => f.Type == SocketIoFrameType.Ack
            && SocketIoPayload.TryParseAck(f.Data, out long ackId, out _) && ackId == id);
        Assert.True(SocketIoPayload.TryParseAck(ack.Data, out _, out JsonElement args));
        return args;
    }

    public async Task<JsonElement> JoinEmsAsync(string room, string token = "")
    {
        JsonElement ack = await JoinAsync(room, new { role = "ems", token, name = "evostreamms" });
        return ack;
    }

    /// <summary>The first arg of the next event named <paramref name="name"/>.</summary>
    public async Task<JsonElement> NextEventAsync(string name)
    {
        SocketIoFrame frame = await NextFrameAsync(f => f.Type == SocketIoFrameType.Event
            && SocketIoPayload.TryParseEvent(f.Data, out string n, out _) && n == name);
        SocketIoPayload.TryParseEvent(frame.Data, out _, out JsonElement args);
        return args[0];
    }

    public Task<SocketIoFrame> NextFrameAsync() => NextFrameAsync(_ => true);

    /// <summary>Waits for a matching frame (earlier unmatched frames stay available).</summary>
    public async Task<SocketIoFrame> NextFrameAsync(Func<SocketIoFrame, bool> match)
    {
        for (int i = 0; i < _seen.Count; i++)
        {
            if (match(_seen[i]))
            {
                SocketIoFrame found = _seen[i];
                _seen.RemoveAt(i);
                return found;
            }
        }

        using CancellationTokenSource cts = new(Timeout);
        while (true)
        {
            SocketIoFrame frame = await _frames.Reader.ReadAsync(cts.Token);
            if (match(frame))
            {
                return frame;
            }

            _seen.Add(frame);
        }
    }

    /// <summary>True when no event named <paramref name="name"/> has arrived so far.</summary>
    public bool HasNoEvent(string name)
    {
        while (_frames.Reader.TryRead(out SocketIoFrame frame))
        {
            _seen.Add(frame);
        }

        return !_seen.Exists(f => f.Type == SocketIoFrameType.Event
            && SocketIoPayload.TryParseEvent(f.Data, out string n, out _) && n == name);
    }

    public async Task WaitClosedAsync() => await Closed.WaitAsync(Timeout);

    /// <summary>Stops reading the socket (after the receive in progress), as a client that does not keep up.</summary>
    public void PauseReading() => _paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ResumeReading() => Interlocked.Exchange(ref _paused, null)?.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        if (_reader is not null)
        {
            await _reader;
        }

        _socket.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        byte[] buffer = new byte[80 * 1024];
        try
        {
            while (true)
            {
                int count = 0;
                ValueWebSocketReceiveResult result;
                if (_paused is { } paused)
                {
                    await paused.Task;
                }

                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    count += result.Count;
                }
                while (!result.EndOfMessage);

                Assert.True(SocketIoFrame.TryRead(buffer.AsSpan(0, count), buffer.Length, out SocketIoFrame frame, out _));
                _frames.Writer.TryWrite(frame);
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException
            or IOException or System.Net.Sockets.SocketException)
        {
        }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }
}
