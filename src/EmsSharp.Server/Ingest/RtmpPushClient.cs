using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Delivery;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// One attempt of a push: connects to the target, publishes there with an <see cref="RtmpClientSession"/> in publish mode
/// (RTMP 1.0 §7.2.1.1 connect, §7.2.1.3 createStream, §7.2.2.6 publish) and, once the target answered
/// <c>NetStream.Publish.Start</c>, sends <c>@setDataFrame onMetaData</c> and the local stream's frames through an
/// <see cref="RtmpPlayer"/> (the same FLV tags RTMP players get), read from a bounded <see cref="LiveStreamReader"/> that
/// starts at the GOP cache's keyframe and skips to the next keyframe (counting) when the target lags: a slow target never
/// holds up the publisher or other viewers. Sends are bounded (a burst at most <see cref="MaxBurstBytes"/>) and time out.
/// While publishing it is an <c>ONR</c> output (listStreams, outStreamCreated/Closed) and an <c>OR</c> connection.
/// <see cref="RunAsync"/> returns when the local stream ended (the target is told: deleteStream) and throws
/// <see cref="IOException"/> when the target refused, closed, stalled or could not be reached.
/// </summary>
internal sealed class RtmpPushClient(
    PushStreamConfiguration configuration,
    PushTarget target,
    LiveStream stream,
    TimeProvider time,
    PushStreamServices services,
    Func<Socket, Connection> openConnection,
    Action<long> published) : IPushClient
{
    private const int MaxBurstBytes = 256 * 1024;
    private const int ChunkSize = 4096;

    public bool Published { get; private set; }

    public (long Sent, long Dropped, long Skipped) Frames { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var options = services.Options;
        var session = new RtmpClientSession(target.App, configuration.TcUrl.Length > 0 ? configuration.TcUrl : target.DefaultTcUrl,
            configuration.TargetStreamName, new RtmpPublishOptions(
                configuration.TargetStreamType, configuration.SendChunkSizeRequest ? ChunkSize : 0, configuration.EmulateUserAgent,
                configuration.SwfUrl, configuration.PageUrl));
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        PushSockets.ApplyTosAndTtl(socket, configuration);

        // Until the target accepts the publish, each step has RtmpSendTimeout; after, each send has it.
        using var answer = new CancellationTokenSource(options.RtmpSendTimeout, time);
        using var sendTimer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(answer.Token, sendTimer.Token, cancellationToken);
        var token = linked.Token;
        Connection? connection = null;
        RtmpPlayer? player = null;
        OutboundStream? output = null;
        var counters = new ViewerTrafficCounters();
        var stop = new CancellationTokenSource();
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token, stop.Token);
        try
        {
            try
            {
                await socket.ConnectAsync(target.Uri.Host, target.Port, token).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new IOException($"cannot reach {target.Uri.Host}:{target.Port}: {e.Message}", e);
            }

            connection = openConnection(socket);
            var network = new CountingStream(new NetworkStream(socket, ownsSocket: false), connection);
            await using (network.ConfigureAwait(false))
            {
                var input = PipeReader.Create(network, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
                var origin = time.GetTimestamp();
                session.Start(time.GetElapsedTime(origin));
                await FlushAsync(session, network, sendTimer, options.RtmpSendTimeout, token).ConfigureAwait(false);
                var read = input.ReadAsync(attempt.Token).AsTask();
                Task<bool>? ready = null;
                while (true)
                {
                    await (ready is null ? (Task)read : Task.WhenAny(read, ready)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    if (read.IsCompleted)
                    {
                        var result = await read.ConfigureAwait(false);
                        var ok = session.HandleInput(result.Buffer, out var consumed);
                        input.AdvanceTo(consumed, result.Buffer.End);
                        if (!ok)
                        {
                            throw new IOException("the target " + session.Error);
                        }

                        if (result.IsCompleted)
                        {
                            throw new IOException("the target closed the connection");
                        }

                        while (session.TryPollEvent(out var e))
                        {
                            if (e.Kind == RtmpClientEventKind.Publishing && player is null)
                            {
                                answer.CancelAfter(Timeout.InfiniteTimeSpan); // accepted: from now on only sends time out
                                player = new RtmpPlayer(session.MessageStreamId, stream.CreateReader(options.RtmpPlayQueueFrames),
                                    configuration.RtmpAbsoluteTimestamps);
                                session.WriteMetadata(RtmpPlayer.Metadata(stream));
                                output = PushSockets.Register(services, stream, configuration, OutboundStream.RtmpTag, "rtmp", socket, counters, stop, connection);
                                Published = true;
                                published(output?.Id ?? stream.Id);
                                ready = Task.FromResult(true);
                            }
                        }

                        read = input.ReadAsync(attempt.Token).AsTask();
                    }

                    if (player is not null && ready is { IsCompleted: true })
                    {
                        var more = ready.IsCompletedSuccessfully && ready.Result;
                        player.Drain(session, MaxBurstBytes);
                        var (frames, bytes, audioFrames, audioBytes) = player.LastDrain;
                        counters.AddPackets(frames - audioFrames, (int)(bytes - audioBytes));
                        counters.AddAudioPackets(audioFrames, (int)audioBytes);
                        counters.SetDroppedFrames(player.DroppedFrames + player.SkippedFrames);
                        Frames = (player.SentFrames, player.DroppedFrames, player.SkippedFrames);
                        if (!more && player.Reader.Count == 0)
                        {
                            // The local stream ended: tell the target (deleteStream), then close.
                            session.Unpublish();
                            await FlushAsync(session, network, sendTimer, options.RtmpSendTimeout, token).ConfigureAwait(false);
                            return;
                        }

                        ready = player.Reader.WaitToReadAsync(attempt.Token).AsTask();
                    }

                    await FlushAsync(session, network, sendTimer, options.RtmpSendTimeout, attempt.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException(
                stop.IsCancellationRequested ? "shut down (shutdownStream)"
                : answer.IsCancellationRequested ? $"the target did not answer within {options.RtmpSendTimeout.TotalSeconds:0} s"
                : $"the target took no data for {options.RtmpSendTimeout.TotalSeconds:0} s (stalled)");
        }
        catch (SocketException e)
        {
            throw new IOException(e.Message, e);
        }
        finally
        {
            PushSockets.CancelQuietly(stop); // the pending socket read and reader wait end as cancelled, not as faults nobody observes
            player?.Dispose();
            if (player is not null)
            {
                // What the reader dropped while a send was stuck counts too (a stalled target ends in a send).
                counters.SetDroppedFrames(player.DroppedFrames + player.SkippedFrames);
                Frames = (player.SentFrames, player.DroppedFrames, player.SkippedFrames);
            }

            if (output is not null)
            {
                services.Outputs!.Close(output, new JsonObject
                {
                    ["droppedFrames"] = player!.DroppedFrames,
                    ["sentFrames"] = player.SentFrames,
                    ["skippedFrames"] = player.SkippedFrames,
                });
                connection?.DetachStream(output.Id);
            }

            connection?.Dispose();
            stop.Dispose();
        }
    }

    // Sends what the session holds, each write bounded by the send timeout (a stalled target fails the attempt).
    private static async Task FlushAsync(
        RtmpClientSession session, Stream network, CancellationTokenSource sendTimer, TimeSpan timeout, CancellationToken token)
    {
        while (session.TryPollTransmit(out var data))
        {
            sendTimer.CancelAfter(timeout);
            await network.WriteAsync(data, token).ConfigureAwait(false);
            sendTimer.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }
}

/// <summary>What pushes need besides their configuration.</summary>
/// <param name="Hub">Where the local streams are.</param>
/// <param name="Options">The send timeouts (RTMP, RTSP) and the reader's queue (as RTMP players).</param>
/// <param name="Outputs">The list of outputs, if any.</param>
/// <param name="Connections">The list of connections.</param>
internal sealed record PushStreamServices(StreamHub Hub, IngestOptions Options, OutboundStreamRegistry? Outputs, ConnectionRegistry Connections);
