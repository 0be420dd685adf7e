using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Net;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Protocols.Rtmp.Amf0;
using EmsSharp.Server.Connections;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// The driver of one RTMP connection: socket → <see cref="RtmpServerSession"/> → hub for a publisher, and hub →
/// <see cref="RtmpPlayer"/> → socket for a player (one play per connection). One loop owns the session: it waits for
/// whichever comes first, input from the socket or frames for the player, and sends what the session queued, each send
/// bounded by <see cref="IngestOptions.RtmpSendTimeout"/>, so a player that stops reading is dropped and never buffered
/// for (its reader meanwhile skips to keyframes, and the publisher never waits). Any protocol error closes only this
/// connection, with a log line; its streams end.
/// </summary>
internal sealed partial class RtmpIngestConnection(
    Socket socket, PublishAuthorizer publishers, TimeProvider time, RtmpLimits limits, TimeSpan idleTimeout, ILogger logger, ConnectionSlot slot,
    Connection connection, RtmpPlayServices play)
{
    // What one player may queue in the session between two sends (at least one frame).
    private const int MaxPlayBurstBytes = 256 * 1024;

    private readonly Dictionary<uint, RtmpPublication> _publications = [];
    private readonly RtmpServerSession _session = new(limits);
    private readonly EndPoint? _remote = socket.RemoteEndPoint;
    private readonly CancellationTokenSource _endedByServer = new();
    private readonly HashSet<LiveStream> _endedHere = [];
    private bool _closed;
    private RtmpPlay? _play;
    private CancellationTokenSource? _idle;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        var stream = new CountingStream(new NetworkStream(socket, ownsSocket: true), connection);
        await using (stream.ConfigureAwait(false))
        {
            var input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
            using var idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
            using var sendTimer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(idle.Token, _endedByServer.Token, cancellationToken);
            using var sending = CancellationTokenSource.CreateLinkedTokenSource(linked.Token, sendTimer.Token);
            _idle = idle;
            var origin = time.GetTimestamp();
            var units = -1L;
            Task<ReadResult>? reading = null;
            try
            {
                while (true)
                {
                    // The idle timer restarts on complete units (handshake parts, whole messages), not on every byte. Waiting
                    // for a stream to play is no idleness: that wait is bounded on its own.
                    if (_session.UnitsReceived != units)
                    {
                        units = _session.UnitsReceived;
                        idle.CancelAfter(_play is { Player: null } ? idleTimeout + play.Options.RtmpPlayWaitTimeout : idleTimeout);
                    }

                    // Wait for input or, while a player is on, for its stream or frames (whichever comes first).
                    reading ??= input.ReadAsync(linked.Token).AsTask();
                    if (!reading.IsCompleted)
                    {
                        var next = _play is { } waiting ? Task.WhenAny(reading, waiting.Ready) : (Task)reading;
                        await next.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    }

                    if (_play is { Ready.IsCompleted: true } ready)
                    {
                        await StepPlayAsync(ready).ConfigureAwait(false);
                    }

                    var ok = true;
                    var completed = false;
                    if (reading.IsCompleted)
                    {
                        var result = await reading.ConfigureAwait(false);
                        reading = null;
                        var buffer = result.Buffer;
                        ok = _session.HandleInput(buffer, time.GetElapsedTime(origin), out var consumed);
                        completed = result.IsCompleted;
                        var truncated = completed && (!buffer.Slice(consumed).IsEmpty || _session.State != RtmpSessionState.Open);
                        input.AdvanceTo(consumed, buffer.End);
                        await HandleEventsAsync(linked.Token).ConfigureAwait(false);
                        if (truncated && ok)
                        {
                            IngestLog.RtmpProtocolError(logger, _remote, "truncated input");
                        }
                    }

                    await SendAsync(stream, sendTimer, sending.Token).ConfigureAwait(false);
                    if (!ok)
                    {
                        IngestLog.RtmpProtocolError(logger, _remote, _session.Error);
                        return;
                    }

                    if (completed)
                    {
                        return;
                    }
                }
            }
            catch (OperationCanceledException) when (sendTimer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                IngestLog.RtmpSendTimedOut(logger, _remote, play.Options.RtmpSendTimeout);
            }
            catch (OperationCanceledException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                IngestLog.RtmpProtocolError(logger, _remote, "idle timeout");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Server stopping.
            }
            catch (OperationCanceledException) when (_endedByServer.IsCancellationRequested)
            {
                // Logged where the stream ended.
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                IngestLog.RtmpConnectionFailed(logger, _remote, e);
            }
            finally
            {
                if (reading is { IsCompleted: false })
                {
                    input.CancelPendingRead();
                    await ((Task)reading).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }

                if (_play is { } playing)
                {
                    await StopPlayAsync(playing, "connection closed").ConfigureAwait(false);
                }

                foreach (var publication in _publications.Values)
                {
                    EndPublication(publication);
                }

                _publications.Clear();
                await input.CompleteAsync().ConfigureAwait(false);
                lock (_endedByServer)
                {
                    _closed = true;
                }

                _endedByServer.Dispose();
                IngestLog.RtmpConnectionEnded(logger, _remote);
            }
        }
    }

    // Sends what the session queued; each write must finish within the send timeout (a stalled reader is dropped).
    private async Task SendAsync(Stream stream, CancellationTokenSource sendTimer, CancellationToken sending)
    {
        while (_session.TryPollTransmit(out var data))
        {
            sendTimer.CancelAfter(play.Options.RtmpSendTimeout);
            await stream.WriteAsync(data, sending).ConfigureAwait(false);
            sendTimer.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    private async Task HandleEventsAsync(CancellationToken cancellationToken)
    {
        while (_session.TryPollEvent(out var e))
        {
            switch (e.Kind)
            {
                case RtmpServerEventKind.PublishRequested:
                    await StartPublicationAsync(e.MessageStreamId, e.StreamName!, cancellationToken).ConfigureAwait(false);
                    break;
                case RtmpServerEventKind.PlayRequested:
                    StartPlay(e.MessageStreamId, e.StreamName!);
                    break;
                case RtmpServerEventKind.PlayStopped:
                    if (_play is { } stopped && stopped.MessageStreamId == e.MessageStreamId)
                    {
                        await StopPlayAsync(stopped, "the player closed its stream").ConfigureAwait(false);
                    }

                    break;
                case RtmpServerEventKind.Unpublished:
                    if (_publications.Remove(e.MessageStreamId, out var ended))
                    {
                        EndPublication(ended);
                    }

                    break;
                case RtmpServerEventKind.Metadata:
                    if (_publications.TryGetValue(e.MessageStreamId, out var described))
                    {
                        described.Publisher.SetDimensions(ReadInt(e.Metadata, "width"), ReadInt(e.Metadata, "height"));
                    }

                    break;
                case RtmpServerEventKind.Video:
                    if (_publications.TryGetValue(e.MessageStreamId, out var video))
                    {
                        video.Publisher.PublishVideo(video.Unwrap(e.Timestamp), e.Payload);
                    }

                    break;
                case RtmpServerEventKind.Audio:
                    if (_publications.TryGetValue(e.MessageStreamId, out var audio))
                    {
                        audio.Publisher.PublishAudio(audio.Unwrap(e.Timestamp), e.Payload);
                    }

                    break;
            }
        }
    }

    private async Task StartPublicationAsync(uint messageStreamId, string requested, CancellationToken cancellationToken)
    {
        var decision = await publishers.AuthorizeAsync(new PublishRequest("RTMP", requested, _remote, _session.App), cancellationToken)
            .ConfigureAwait(false);
        var name = decision.Name;
        if (!decision.Allowed)
        {
            IngestLog.RtmpPublishUnauthorized(logger, _remote, name.Length > 64 ? name[..64] + "..." : name, decision.Reason);
            _session.RejectPublish(messageStreamId, "Publish refused: " + decision.Reason + ".");
            return;
        }

        var origin = new StreamOrigin(StreamOrigin.RtmpTag, socket.LocalEndPoint as IPEndPoint, _remote as IPEndPoint, _session.App);
        if (!publishers.TryPublish(decision, origin, out var stream, out var tookOver))
        {
            IngestLog.RtmpPublishRefused(logger, _remote, name);
            _session.RejectPublish(messageStreamId, $"Stream {name} is already being published.");
            return;
        }

        if (tookOver)
        {
            IngestLog.PublishTakenOver(logger, "RTMP", _remote, name);
        }

        _publications[messageStreamId] = new RtmpPublication(stream);
        connection.AttachStream(stream.Id);
        _session.AcceptPublish(messageStreamId, name);
        slot.MarkProven(); // a publisher is never closed to admit another connection
        IngestLog.RtmpPublishStarted(logger, _remote, name, _session.App, stream.Id);

        // shutdownStream or a takeover ends the stream from outside: close this publisher's connection with it.
        _ = stream.Completion.ContinueWith(
            static (_, state) =>
            {
                var (connection, ended) = ((RtmpIngestConnection, LiveStream))state!;
                connection.OnStreamEnded(ended);
            },
            (this, stream), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void OnStreamEnded(LiveStream stream)
    {
        lock (_endedByServer)
        {
            if (_closed || _endedHere.Remove(stream))
            {
                return; // this connection ended it itself
            }

            IngestLog.RtmpStreamEndedByServer(logger, _remote, stream.Name);
            _endedByServer.Cancel();
        }
    }

    private void EndPublication(RtmpPublication publication)
    {
        IngestLog.RtmpPublishEnded(logger, publication.Stream.Name, publication.Publisher.DroppedTags);
        lock (_endedByServer)
        {
            if (!publication.Stream.IsClosed)
            {
                _endedHere.Add(publication.Stream);
            }
        }

        publication.Stream.Dispose();
        connection.DetachStream(publication.Stream.Id);
    }

    private static int ReadInt(Amf0Value metadata, string name) =>
        metadata.TryGetProperty(name, out var value) && value.Type == Amf0Type.Number && value.Number is > 0 and < 100_000
            ? (int)value.Number
            : 0;
}
