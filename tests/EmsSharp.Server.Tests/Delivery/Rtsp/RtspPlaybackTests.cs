using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using EmsSharp.Media.Aac;
using EmsSharp.Media.H264;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtp;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Events;
using EmsSharp.Server.Ingest;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Server.Tests.Delivery.Rtsp;

/// <summary>
/// RTSP playback on the RTSP listener, driven by a raw client over loopback: the DESCRIBE → SETUP → PLAY state machine
/// (RFC 2326 §A.1), its refusals, TCP interleaved and UDP delivery, read keys and the session timeout.
/// </summary>
public sealed class RtspPlaybackTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly byte[] Sps = [0x67, 0x42, 0xC0, 0x1E, 0xD9, 0x01, 0x41, 0xFB, 0x01, 0x10];
    private static readonly byte[] Pps = [0x68, 0xCB, 0x83, 0xCB, 0x20];

    [Fact]
    public async Task A_tcp_player_gets_the_sdp_then_rtp_from_the_keyframe_as_rtp_info_says()
    {
        await using var rig = await Rig.StartAsync();
        var stream = rig.Publish("cam");
        using var client = await RtspClient.ConnectAsync(rig, "cam");

        var options = await client.RequestAsync("OPTIONS");
        Assert.Contains("DESCRIBE", options.Header("Public"), StringComparison.Ordinal);
        Assert.Contains("PLAY", options.Header("Public"), StringComparison.Ordinal);

        var describe = await client.RequestAsync("DESCRIBE", "Accept: application/sdp");
        Assert.Equal(200, describe.Status);
        Assert.Equal("application/sdp", describe.Header("Content-Type"));
        Assert.Equal(client.Uri + "/", describe.Header("Content-Base"));
        Assert.Contains("a=rtpmap:96 H264/90000", describe.Body, StringComparison.Ordinal);
        Assert.Contains("a=rtpmap:97 mpeg4-generic/48000/2", describe.Body, StringComparison.Ordinal);

        var setup = await client.RequestAsync("SETUP", "Transport: RTP/AVP/TCP;unicast;interleaved=0-1", "/trackID=0");
        Assert.Equal(200, setup.Status);
        Assert.StartsWith("RTP/AVP/TCP;unicast;interleaved=0-1", setup.Header("Transport"), StringComparison.Ordinal);
        var session = setup.Header("Session")!;
        Assert.EndsWith(";timeout=60", session, StringComparison.Ordinal); // RFC 2326 §12.37
        var id = session.Split(';')[0];
        Assert.Equal(200, (await client.RequestAsync("SETUP", $"Transport: RTP/AVP/TCP;unicast;interleaved=2-3\r\nSession: {id}", "/trackID=1")).Status);

        var play = await client.RequestAsync("PLAY", $"Session: {id}");
        Assert.Equal(200, play.Status);
        var info = play.Header("RTP-Info")!.Split(',');
        Assert.Equal(2, info.Length);
        Assert.StartsWith($"url={client.Uri}/trackID=0;seq=", info[0], StringComparison.Ordinal);
        var (videoSeq, videoTime) = SeqAndTime(info[0]);
        var (audioSeq, audioTime) = SeqAndTime(info[1]);

        // The GOP cache's keyframe first: a STAP-A of SPS and PPS, then the IDR; sequence and time as RTP-Info said.
        var first = await client.ReadFrameAsync();
        Assert.Equal(0, first.Channel);
        Assert.True(RtpHeader.TryRead(first.Payload, out var header, out var length));
        Assert.Equal((96, videoSeq, videoTime), (header.PayloadType, header.SequenceNumber, header.Timestamp));
        Assert.Equal(24, first.Payload[length] & 0x1F);

        // A sender report (RFC 3550 §6.4.1, PT 200) follows the track's first packets on its RTCP channel.
        var report = await client.ReadFrameAsync(channel: 1);
        Assert.Equal(200, report.Payload[1]);

        // Then audio, published after PLAY, on its own channel and clock (20 ms later: 960 at 48 kHz).
        rig.Publish(stream, new MediaFrame(TrackKind.Audio, MediaCodec.Aac, 960, 960, true, new byte[] { 0x21, 0x10, 0x05 }));
        var audio = await client.ReadFrameAsync(channel: 2);
        Assert.True(RtpHeader.TryRead(audio.Payload, out var audioHeader, out _));
        Assert.Equal((97, audioSeq, unchecked(audioTime + 960)), (audioHeader.PayloadType, audioHeader.SequenceNumber, audioHeader.Timestamp));
        Assert.True(audioHeader.Marker);

        var created = await rig.Events.WaitAsync(EventTypes.OutStreamCreated);
        Assert.Equal("ONP", (string?)created["type"]);
        Assert.Equal(1, rig.Outputs.Count);
        Assert.Equal(200, (await client.RequestAsync("GET_PARAMETER", $"Session: {id}")).Status); // keep-alive
        Assert.Equal(200, (await client.RequestAsync("TEARDOWN", $"Session: {id}")).Status);
        await rig.Events.WaitAsync(EventTypes.OutStreamClosed);
        Assert.Equal(0, rig.Outputs.Count);
    }

    [Fact]
    public async Task A_udp_player_gets_server_ports_and_rtp_at_its_client_port()
    {
        await using var rig = await Rig.StartAsync();
        rig.Publish("cam");
        using var client = await RtspClient.ConnectAsync(rig, "cam");
        using var rtp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)rtp.Client.LocalEndPoint!).Port;

        Assert.Equal(200, (await client.RequestAsync("DESCRIBE")).Status);
        var setup = await client.RequestAsync("SETUP", $"Transport: RTP/AVP;unicast;client_port={port}-{port + 1}", "/trackID=0");
        Assert.Equal(200, setup.Status);
        Assert.Contains($"client_port={port}-{port + 1};server_port=", setup.Header("Transport"), StringComparison.Ordinal);
        var play = await client.RequestAsync("PLAY", "Session: " + setup.Header("Session")!.Split(';')[0]);
        Assert.Equal(200, play.Status);

        var packet = await rtp.ReceiveAsync().WaitAsync(Timeout);
        Assert.True(RtpHeader.TryRead(packet.Buffer, out var header, out _));
        Assert.Equal(96, header.PayloadType);
        Assert.Equal(SeqAndTime(play.Header("RTP-Info")!).Seq, header.SequenceNumber);
        var serverPort = int.Parse(setup.Header("Transport")!.Split("server_port=")[1].Split('-')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(serverPort, packet.RemoteEndPoint.Port); // RFC 2326 §12.39: from the server_port it answered
    }

    [Fact]
    public async Task Requests_out_of_order_or_malformed_are_refused_with_their_rtsp_status()
    {
        await using var rig = await Rig.StartAsync();
        rig.Publish("cam");
        using (var early = await RtspClient.ConnectAsync(rig, "cam"))
        {
            Assert.Equal(455, (await early.RequestAsync("SETUP", "Transport: RTP/AVP/TCP;interleaved=0-1")).Status); // §A.1: SETUP before DESCRIBE
            Assert.Equal(455, (await early.RequestAsync("PLAY")).Status);
        }

        using (var missing = await RtspClient.ConnectAsync(rig, "nothing"))
        {
            Assert.Equal(404, (await missing.RequestAsync("DESCRIBE")).Status); // after the stream wait

            // A DESCRIBE that found nothing leaves the connection free to publish that name.
            Assert.Equal(200, (await missing.RequestAsync("ANNOUNCE", "Content-Type: application/sdp", "", "m=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")).Status);
        }

        using var client = await RtspClient.ConnectAsync(rig, "cam");
        Assert.Equal(200, (await client.RequestAsync("DESCRIBE")).Status);
        Assert.Equal(455, (await client.RequestAsync("PLAY")).Status); // nothing set up
        Assert.Equal(404, (await client.RequestAsync("SETUP", "Transport: RTP/AVP/TCP;interleaved=0-1", "/trackID=9")).Status);
        foreach (var transport in new[]
        {
            "RTP/SAVP;unicast;client_port=5000-5001", // not RTP/AVP
            "RTP/AVP;unicast", // UDP without client ports
            "RTP/AVP;unicast;client_port=0-1",
            "RTP/AVP;unicast;client_port=70000-70001",
            "RTP/AVP/TCP;interleaved=4-4", // RTP and RTCP on one channel
            "RTP/AVP/TCP;interleaved=0-1;mode=record", // a player does not record
        })
        {
            Assert.Equal(461, (await client.RequestAsync("SETUP", "Transport: " + transport, "/trackID=0")).Status);
        }

        Assert.Equal(461, (await client.RequestAsync("SETUP", null, "/trackID=0")).Status); // no Transport at all
        var setup = await client.RequestAsync("SETUP", "Transport: RTP/AVP/TCP;interleaved=0-1", "/trackID=0");
        Assert.Equal(200, setup.Status);
        var id = setup.Header("Session")!.Split(';')[0];
        Assert.Equal(461, (await client.RequestAsync("SETUP", $"Transport: RTP/AVP/TCP;interleaved=1-2\r\nSession: {id}", "/trackID=1")).Status);
        Assert.Equal(455, (await client.RequestAsync("SETUP", $"Transport: RTP/AVP/TCP;interleaved=6-7\r\nSession: {id}", "/trackID=0")).Status);
        Assert.Equal(454, (await client.RequestAsync("PLAY", "Session: 12345")).Status); // §12.37: not our session
        Assert.Equal(455, (await client.RequestAsync("ANNOUNCE", "Content-Type: application/sdp")).Status); // a player does not publish
        Assert.Equal(405, (await client.RequestAsync("REDIRECT")).Status);
        Assert.Equal(200, (await client.RequestAsync("PLAY", "Session: " + id)).Status);

        using var empty = await RtspClient.ConnectAsync(rig, "");
        Assert.Equal(400, (await empty.RequestAsync("DESCRIBE")).Status);
    }

    [Fact]
    public async Task Read_keys_answer_401_without_a_key_and_403_with_a_wrong_one()
    {
        await using var rig = await Rig.StartAsync(options => options.RtspReadKeys["cam"] = "s3cret");
        rig.Publish("cam");
        using var none = await RtspClient.ConnectAsync(rig, "cam");
        var refused = await none.RequestAsync("DESCRIBE");
        Assert.Equal(401, refused.Status);
        Assert.NotNull(refused.Header("WWW-Authenticate")); // RFC 2326 §12.44: a 401 names a scheme
        using var wrong = await RtspClient.ConnectAsync(rig, "cam?key=nope");
        Assert.Equal(403, (await wrong.RequestAsync("DESCRIBE")).Status);
        using var right = await RtspClient.ConnectAsync(rig, "cam?key=s3cret");
        Assert.Equal(200, (await right.RequestAsync("DESCRIBE")).Status);

        // ffmpeg joins the control to a URL with a query: the track is still found.
        Assert.Equal(200, (await right.RequestAsync("SETUP", "Transport: RTP/AVP/TCP;interleaved=0-1", "/trackID=0")).Status);
    }

    [Fact]
    public async Task A_player_that_keeps_nothing_alive_is_closed_after_the_session_timeout_and_leaves_the_outputs()
    {
        // The default session timeout (60 s) on a fake clock, moved a second at a time until the server closes.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var rig = await Rig.StartAsync(time: time);
        rig.Publish("cam");
        using var client = await RtspClient.ConnectAsync(rig, "cam");
        using var rtp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)rtp.Client.LocalEndPoint!).Port;
        Assert.Equal(200, (await client.RequestAsync("DESCRIBE")).Status);
        var setup = await client.RequestAsync("SETUP", $"Transport: RTP/AVP;unicast;client_port={port}-{port + 1}", "/trackID=0");
        Assert.Equal(200, (await client.RequestAsync("PLAY", "Session: " + setup.Header("Session")!.Split(';')[0])).Status);
        await rig.Events.WaitAsync(EventTypes.OutStreamCreated);

        var closed = client.IsClosedAsync();
        var moved = TimeSpan.Zero;
        while (!closed.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            moved += TimeSpan.FromSeconds(1);
            await Task.Yield();
        }

        Assert.True(await closed, "the silent player was not closed");
        Assert.True(moved > new IngestOptions().RtspIdleTimeout, $"closed after {moved}");
        await rig.Events.WaitAsync(EventTypes.OutStreamClosed);
        Assert.Equal(0, rig.Outputs.Count);
    }

    [Fact]
    public async Task A_tcp_player_that_stops_reading_is_dropped_after_the_send_timeout_and_the_publisher_goes_on()
    {
        await using var rig = await Rig.StartAsync(options => options.RtspSendTimeout = TimeSpan.FromSeconds(1));
        var stream = rig.Publish("cam");
        using var client = await RtspClient.ConnectAsync(rig, "cam", receiveBuffer: 4096);
        Assert.Equal(200, (await client.RequestAsync("DESCRIBE")).Status);
        var setup = await client.RequestAsync("SETUP", "Transport: RTP/AVP/TCP;interleaved=0-1", "/trackID=0");
        Assert.Equal(200, (await client.RequestAsync("PLAY", "Session: " + setup.Header("Session")!.Split(';')[0])).Status);
        await rig.Events.WaitAsync(EventTypes.OutStreamCreated);

        // Far more than the socket buffers hold, and the client reads none of it: publishing never waits on the player.
        var keyframe = new byte[4 + (256 * 1024)];
        BinaryPrimitives.WriteInt32BigEndian(keyframe, 256 * 1024);
        keyframe[4] = 0x65;
        for (var i = 1; i <= 200; i++)
        {
            rig.Publish(stream, new MediaFrame(TrackKind.Video, MediaCodec.H264, i * 3000L, i * 3000L, true, keyframe));
        }

        var closed = await rig.Events.WaitAsync(EventTypes.OutStreamClosed);
        Assert.Equal("ONP", (string?)closed["type"]);
        Assert.Equal(0, rig.Outputs.Count);
        Assert.False(stream.IsClosed);
        Assert.True(await client.IsClosedAsync(), "the stalled player's connection stayed open");
    }

    private static (ushort Seq, uint Time) SeqAndTime(string info)
    {
        ushort seq = 0;
        uint time = 0;
        foreach (var part in info.Split(';'))
        {
            if (part.StartsWith("seq=", StringComparison.Ordinal))
            {
                seq = ushort.Parse(part[4..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (part.StartsWith("rtptime=", StringComparison.Ordinal))
            {
                time = uint.Parse(part[8..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return (seq, time);
    }

    private sealed class Rig : IAsyncDisposable
    {
        private readonly RtspServer _server;

        private Rig(RtspServer server, StreamHub hub, OutboundStreamRegistry outputs, EventWaiter events)
        {
            _server = server;
            Hub = hub;
            Outputs = outputs;
            Events = events;
        }

        public StreamHub Hub { get; }

        public OutboundStreamRegistry Outputs { get; }

        public EventWaiter Events { get; }

        public int Port => _server.LocalEndPoint!.Port;

        public static async Task<Rig> StartAsync(Action<IngestOptions>? configure = null, TimeProvider? time = null)
        {
            time ??= TimeProvider.System;
            var ingest = new IngestOptions { RtspPort = 0, RtspAddress = "127.0.0.1", RtspStreamWaitTimeout = TimeSpan.FromMilliseconds(200) };
            configure?.Invoke(ingest);
            var options = Options.Create(ingest);
            var hub = new StreamHub();
            var events = new EventWaiter();
            var outputs = new OutboundStreamRegistry(hub, events, time);
            var server = new RtspServer(options, new PublishAuthorizer(options, hub, time), time,
                NullLogger<RtspServer>.Instance, hub: hub, outputs: outputs);
            await server.StartAsync(CancellationToken.None);
            return new Rig(server, hub, outputs, events);
        }

        // A stream with H.264 and AAC tracks and a keyframe in its GOP cache.
        public LiveStream Publish(string name)
        {
            Assert.True(Hub.TryPublish(name, out var stream));
            var record = new AvcDecoderConfigurationRecord([Sps], [Pps]);
            var avcc = new byte[record.GetSerializedLength()];
            Assert.True(record.TryWrite(avcc, out _));
            stream.SetVideoTrack(new VideoTrackConfig(MediaCodec.H264, avcc, 320, 240));
            stream.SetAudioTrack(new AudioTrackConfig(MediaCodec.Aac, AudioSpecificConfig.Create(2, 48_000, 2).Raw, 48_000, 2));
            var idr = new byte[4 + 3000];
            BinaryPrimitives.WriteInt32BigEndian(idr, 3000);
            idr[4] = 0x65;
            Publish(stream, new MediaFrame(TrackKind.Video, MediaCodec.H264, 0, 0, true, idr));
            return stream;
        }

        public void Publish(LiveStream stream, MediaFrame frame) => Assert.True(stream.Publish(frame));

        public async ValueTask DisposeAsync()
        {
            await _server.StopAsync(CancellationToken.None);
            _server.Dispose();
        }
    }

    /// <summary>Thread-safe: the outputs' events come from the connections' tasks.</summary>
    private sealed class EventWaiter : IEventPublisher
    {
        private readonly Lock _gate = new();
        private readonly List<(string Type, JsonObject Payload)> _events = [];
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Publish(string type, JsonObject payload)
        {
            lock (_gate)
            {
                _events.Add((type, payload));
                _changed.TrySetResult();
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        public async Task<JsonObject> WaitAsync(string type)
        {
            using var timeout = new CancellationTokenSource(Timeout);
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    foreach (var (t, payload) in _events)
                    {
                        if (t == type)
                        {
                            return payload;
                        }
                    }

                    changed = _changed.Task;
                }

                await changed.WaitAsync(timeout.Token);
            }
        }
    }

    private readonly record struct Response(int Status, List<KeyValuePair<string, string>> Headers, string Body)
    {
        public string? Header(string name)
        {
            foreach (var (key, value) in Headers)
            {
                if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return value;
                }
            }

            return null;
        }
    }

    /// <summary>A raw RTSP client: requests one at a time; interleaved frames before a response are kept for later.</summary>
    private sealed class RtspClient : IDisposable
    {
        private readonly TcpClient _client;
        private readonly NetworkStream _stream;
        private readonly Queue<(int Channel, byte[] Payload)> _frames = new();
        private byte[] _buffer = new byte[256 * 1024];
        private int _length;
        private int _cseq;

        private RtspClient(TcpClient client, string uri)
        {
            _client = client;
            _stream = client.GetStream();
            Uri = uri;
        }

        public string Uri { get; }

        public static async Task<RtspClient> ConnectAsync(Rig rig, string path, int receiveBuffer = 0)
        {
            var client = new TcpClient();
            if (receiveBuffer > 0)
            {
                client.ReceiveBufferSize = receiveBuffer;
            }

            await client.ConnectAsync(IPAddress.Loopback, rig.Port).WaitAsync(Timeout);
            return new RtspClient(client, $"rtsp://127.0.0.1:{rig.Port}/{path}");
        }

        public async Task<Response> RequestAsync(string method, string? headers = null, string suffix = "", string body = "")
        {
            var request = new StringBuilder($"{method} {Uri}{suffix} RTSP/1.0\r\nCSeq: {++_cseq}\r\n");
            if (headers is not null)
            {
                request.Append(headers).Append("\r\n");
            }

            if (body.Length > 0)
            {
                request.Append("Content-Length: ").Append(body.Length).Append("\r\n");
            }

            request.Append("\r\n").Append(body);
            await _stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));
            while (true)
            {
                if (TryTakeFrame())
                {
                    continue;
                }

                var end = _buffer.AsSpan(0, _length).IndexOf("\r\n\r\n"u8);
                if (end >= 0 && _buffer[0] != '$')
                {
                    var head = Encoding.ASCII.GetString(_buffer, 0, end).Split("\r\n");
                    var list = new List<KeyValuePair<string, string>>();
                    var bodyLength = 0;
                    foreach (var line in head[1..])
                    {
                        var colon = line.IndexOf(':', StringComparison.Ordinal);
                        list.Add(new(line[..colon], line[(colon + 1)..].Trim()));
                        if (line.StartsWith("Content-Length", StringComparison.OrdinalIgnoreCase))
                        {
                            bodyLength = int.Parse(line[(colon + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                        }
                    }

                    if (_length >= end + 4 + bodyLength)
                    {
                        var text = Encoding.UTF8.GetString(_buffer, end + 4, bodyLength);
                        Consume(end + 4 + bodyLength);
                        return new Response(int.Parse(head[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), list, text);
                    }
                }

                await FillAsync();
            }
        }

        /// <summary>The next interleaved frame (on <paramref name="channel"/>, skipping others).</summary>
        public async Task<(int Channel, byte[] Payload)> ReadFrameAsync(int? channel = null)
        {
            while (true)
            {
                while (_frames.TryDequeue(out var frame))
                {
                    if (channel is null || frame.Channel == channel)
                    {
                        return frame;
                    }
                }

                if (!TryTakeFrame())
                {
                    await FillAsync();
                }
            }
        }

        public async Task<bool> IsClosedAsync()
        {
            try
            {
                while (true)
                {
                    if (await _stream.ReadAsync(_buffer).AsTask().WaitAsync(Timeout) == 0)
                    {
                        return true;
                    }
                }
            }
            catch (IOException)
            {
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }

        public void Dispose() => _client.Dispose();

        private bool TryTakeFrame()
        {
            if (_length < 4 || _buffer[0] != '$')
            {
                return false;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(2));
            if (_length < 4 + length)
            {
                return false;
            }

            _frames.Enqueue((_buffer[1], _buffer.AsSpan(4, length).ToArray()));
            Consume(4 + length);
            return true;
        }

        private async Task FillAsync()
        {
            if (_length == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            var read = await _stream.ReadAsync(_buffer.AsMemory(_length)).AsTask().WaitAsync(Timeout);
            Assert.True(read > 0, "the server closed the connection");
            _length += read;
        }

        private void Consume(int count)
        {
            _buffer.AsSpan(count, _length - count).CopyTo(_buffer);
            _length -= count;
        }
    }
}
