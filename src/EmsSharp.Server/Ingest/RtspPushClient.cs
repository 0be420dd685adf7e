using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtsp;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Delivery.Rtsp;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// One attempt of a push over RTSP (RFC 2326 §10 RECORD flow: OPTIONS, ANNOUNCE with the stream's SDP (§10.3, the
/// same description DESCRIBE answers players with), SETUP per track with mode=record (§12.39) over UDP or, with
/// forceTcp, interleaved in the RTSP connection (§10.12), RECORD (§10.11)), then the local stream's frames as RTP (<see cref="RtspRtpWriter"/>, as RTSP players get
/// them) from a bounded <see cref="LiveStreamReader"/> that starts at the GOP cache's keyframe and skips to the next
/// keyframe (counting) when the target lags. Each send is bounded by Ingest:RtspSendTimeout (over UDP only the RTSP
/// connection can tell a target that went away). While recording it is an
/// <c>ONP</c> output and an <c>OR</c> connection. <see cref="RunAsync"/> returns when the local stream ended (the target
/// is told: TEARDOWN) and throws <see cref="IOException"/> when the target refused, closed, stalled or could not be
/// reached. The RTP flowing to the target keeps the session alive (§12.37: any RTSP or RTP activity); over UDP the
/// target's RTCP to us is let go unread.
/// </summary>
internal sealed class RtspPushClient(
    PushStreamConfiguration configuration,
    PushTarget target,
    LiveStream stream,
    TimeProvider time,
    PushStreamServices services,
    Func<Socket, Connection> openConnection,
    Action<long> published) : IPushClient
{
    private const string TrackPrefix = "trackID=";
    private readonly List<RtspPlayTrack> _tracks = [];

    public bool Published { get; private set; }

    public (long Sent, long Dropped, long Skipped) Frames { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var options = services.Options;
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        PushSockets.ApplyTosAndTtl(socket, configuration);
        using var stop = new CancellationTokenSource();
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stop.Token);
        var token = attempt.Token;
        var url = target.RtspUrl(configuration.TargetStreamName);
        var counters = new ViewerTrafficCounters();
        Connection? connection = null;
        RtspClientChannel? channel = null;
        LiveStreamReader? reader = null;
        OutboundStream? output = null;
        Task? receive = null;
        try
        {
            // A stream just published may not have told its codecs yet; the SDP needs them.
            if (!await stream.WaitForTracksAsync(options.RtspStreamWaitTimeout, time, token).ConfigureAwait(false))
            {
                throw new IOException($"stream {stream.Name} told no track within {options.RtspStreamWaitTimeout.TotalSeconds:0} s");
            }

            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(token))
            {
                connect.CancelAfter(options.RtspSendTimeout);
                try
                {
                    await socket.ConnectAsync(target.Uri.Host, target.Port, connect.Token).ConfigureAwait(false);
                }
                catch (SocketException e)
                {
                    throw new IOException($"cannot reach {target.Uri.Host}:{target.Port}: {e.Message}", e);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    throw new IOException($"cannot reach {target.Uri.Host}:{target.Port} within {options.RtspSendTimeout.TotalSeconds:0} s");
                }
            }

            connection = openConnection(socket);
            channel = new RtspClientChannel(socket, connection, RtspClientChannel.AuthenticatorFor(target.Uri), options.RtspSendTimeout, "target");
            await channel.RequestAsync(RtspMessage.CreateRequest("OPTIONS", url), token).ConfigureAwait(false);
            await AnnounceAsync(channel, socket, url, token).ConfigureAwait(false);
            for (var i = 0; i < _tracks.Count; i++)
            {
                await SetupAsync(channel, socket, url, _tracks[i], i, token).ConfigureAwait(false);
            }

            // The reader starts at the GOP cache's keyframe, before RECORD, so nothing between is lost.
            reader = stream.CreateReader(options.RtmpPlayQueueFrames);
            await channel.RequestAsync(RtspMessage.CreateRequest("RECORD", url).AddHeader("Range", "npt=0.000-"), token).ConfigureAwait(false);
            output = PushSockets.Register(services, stream, configuration, OutboundStream.RtpTag, "rtsp", socket, counters, stop, connection);
            Published = true;
            published(output?.Id ?? stream.Id);
            receive = ReceiveAsync(channel, token);
            await PumpAsync(channel, connection, reader, counters, receive, token).ConfigureAwait(false);

            // The local stream ended: tell the target (§10.7), then close.
            await channel.SendAsync(channel.Prepare(RtspMessage.CreateRequest("TEARDOWN", url)), token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException(stop.IsCancellationRequested
                ? "shut down (shutdownStream)"
                : $"the target took no data or gave no answer for {options.RtspSendTimeout.TotalSeconds:0} s (stalled)");
        }
        catch (SocketException e)
        {
            throw new IOException(e.Message, e);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            if (receive is not null)
            {
                await receive.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (reader is not null)
            {
                counters.SetDroppedFrames(reader.DroppedFrames);
                Frames = (Frames.Sent, reader.DroppedFrames, Frames.Skipped);
                reader.Dispose();
            }

            if (output is not null)
            {
                services.Outputs!.Close(output, new JsonObject
                {
                    ["droppedFrames"] = Frames.Dropped,
                    ["sentFrames"] = Frames.Sent,
                    ["skippedFrames"] = Frames.Skipped,
                });
                connection?.DetachStream(output.Id);
            }

            foreach (var track in _tracks)
            {
                track.Dispose(); // the UDP pair, if any
            }

            channel?.Dispose();
            connection?.Dispose();
        }
    }

    // §10.3: the stream's tracks as DESCRIBE would describe them (H.264, AAC, Opus, G.711); a track RTP cannot carry is skipped.
    private async Task AnnounceAsync(RtspClientChannel channel, Socket socket, string url, CancellationToken token)
    {
        var media = new List<RtspPlayMedia>(2);
        if (stream.Video is { } video && RtspPlayMedia.TryCreateVideo(video, TrackPrefix + media.Count.ToString(CultureInfo.InvariantCulture), out var v, out _))
        {
            media.Add(v);
        }

        if (stream.Audio is { } audio && RtspPlayMedia.TryCreateAudio(audio, TrackPrefix + media.Count.ToString(CultureInfo.InvariantCulture), out var a, out _))
        {
            media.Add(a);
        }

        if (media.Count == 0)
        {
            throw new IOException($"stream {stream.Name} has no track RTSP can carry (H.264, AAC, Opus, PCMU, PCMA)");
        }

        for (var i = 0; i < media.Count; i++)
        {
            _tracks.Add(new RtspPlayTrack(media[i], i));
        }

        var local = (socket.LocalEndPoint as IPEndPoint)?.Address;
        var address = local is null ? "0.0.0.0" : (local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local).ToString();
        var sdp = RtspPlaySdp.Write(media, address, configuration.TargetStreamName, time.GetUtcNow().ToUnixTimeSeconds());
        var announce = RtspMessage.CreateRequest("ANNOUNCE", url).AddHeader("Content-Type", "application/sdp");
        announce.Body = Encoding.UTF8.GetBytes(sdp);
        await channel.RequestAsync(announce, token).ConfigureAwait(false);
    }

    // §10.4 with mode=record (§12.39): forceTcp sends RTP over the RTSP connection on channels we pick (the server may answer
    // others, which we then use); else over UDP from an even/odd port pair to the server_port pair it answers (RFC 3550 §11).
    private async Task SetupAsync(RtspClientChannel channel, Socket socket, string url, RtspPlayTrack track, int index, CancellationToken token)
    {
        RtspTransport offer;
        if (configuration.ForceTcp)
        {
            offer = new RtspTransport { IsTcp = true, Interleaved = (2 * index, (2 * index) + 1), Mode = "record" };
        }
        else
        {
            var local = ((IPEndPoint)socket.LocalEndPoint!).Address;
            track.Udp = RtpUdpReceiver.BindPair(local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local);
            var ports = (((IPEndPoint)track.Udp.Value.Rtp.LocalEndPoint!).Port, ((IPEndPoint)track.Udp.Value.Rtcp.LocalEndPoint!).Port);
            offer = new RtspTransport { ClientPort = ports, Mode = "record" };
        }

        var setup = RtspMessage.CreateRequest("SETUP", url + "/" + track.Media.Control).AddHeader("Transport", offer.ToString());
        var answer = await channel.RequestAsync(setup, token).ConfigureAwait(false);
        if (!RtspTransport.TryParse(answer.GetHeader("Transport"), out var chosen) || chosen.IsTcp != configuration.ForceTcp)
        {
            throw new IOException("SETUP answered with an unusable Transport (" + (configuration.ForceTcp ? "TCP" : "UDP") + " was asked)");
        }

        if (configuration.ForceTcp)
        {
            (track.RtpChannel, track.RtcpChannel) = chosen.Interleaved ?? offer.Interleaved!.Value;
            return;
        }

        if (chosen.ServerPort is not { } serverPort)
        {
            throw new IOException("SETUP answered without server_port");
        }

        var remote = ((IPEndPoint)socket.RemoteEndPoint!).Address;
        remote = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
        track.Destination = (new IPEndPoint(remote, serverPort.Rtp), new IPEndPoint(remote, serverPort.Rtcp));
    }

    // Frames to the target, one write per frame, each bounded by the send timeout; returns when the local stream ended.
    private async Task PumpAsync(
        RtspClientChannel channel, Connection connection, LiveStreamReader reader, ViewerTrafficCounters counters, Task receive, CancellationToken token)
    {
        var rtp = new RtspRtpWriter("ems@" + configuration.ConfigId.ToString(CultureInfo.InvariantCulture));
        long sent = 0, skipped = 0;
        using var sendTimer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(token, sendTimer.Token);
        while (true)
        {
            var ready = reader.WaitToReadAsync(token).AsTask();
            await Task.WhenAny(ready, receive).ConfigureAwait(false);
            if (receive.IsCompleted)
            {
                await receive.ConfigureAwait(false); // the target closed or sent garbage: throws why
            }

            if (!await ready.ConfigureAwait(false))
            {
                return;
            }

            while (reader.TryRead(out var frame))
            {
                var track = TrackFor(frame);
                if (track is null || !rtp.TryWrite(stream, frame, track, out var count))
                {
                    skipped++;
                    continue;
                }

                sendTimer.CancelAfter(services.Options.RtspSendTimeout);
                await rtp.SendAsync(track, count, counters, (bytes, t) => new ValueTask(channel.SendAsync(bytes, t)), connection, sending.Token)
                    .ConfigureAwait(false);
                sendTimer.CancelAfter(Timeout.InfiniteTimeSpan);
                sent++;
            }

            counters.SetDroppedFrames(reader.DroppedFrames);
            Frames = (sent, reader.DroppedFrames, skipped);
        }
    }

    // The target's side of the connection while recording: its RTCP receiver reports (read and let go), a request of its
    // own (answered 200 so it does not wait), or its end, which fails the attempt.
    private static async Task ReceiveAsync(RtspClientChannel channel, CancellationToken token)
    {
        while (true)
        {
            var (status, message, _, _) = await channel.Reader.ReadAsync(token).ConfigureAwait(false);
            switch (status)
            {
                case RtspReadStatus.InterleavedFrame:
                    break;
                case RtspReadStatus.Message:
                    if (message!.IsRequest)
                    {
                        var reply = RtspMessage.CreateResponse(200, "OK").AddHeader("CSeq", message.GetHeader("CSeq") ?? "0");
                        await channel.SendAsync(reply, token).ConfigureAwait(false);
                    }

                    break;
                default:
                    throw channel.Failure(status);
            }
        }
    }

    private RtspPlayTrack? TrackFor(in MediaFrame frame)
    {
        foreach (var track in _tracks)
        {
            if (track.Media.Kind == frame.Kind && track.Media.Codec == frame.Codec)
            {
                return track;
            }
        }

        return null; // a codec the publisher changed to since ANNOUNCE
    }
}
