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
/// The driver of one RTMP connection: socket → <see cref="RtmpServerSession"/> → hub. Any protocol error
/// closes only this connection, with a log line; its streams end.
/// </summary>
internal sealed class RtmpIngestConnection(
    Socket socket, PublishAuthorizer publishers, TimeProvider time, RtmpLimits limits, TimeSpan idleTimeout, ILogger logger, ConnectionSlot slot,
    Connection connection)
{
    private readonly Dictionary<uint, RtmpPublication> _publications = [];
    private readonly RtmpServerSession _session = new(limits);
    private readonly EndPoint? _remote = socket.RemoteEndPoint;
    private readonly CancellationTokenSource _endedByServer = new();
    private readonly HashSet<LiveStream> _endedHere = [];
    private bool _closed;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        var stream = new CountingStream(new NetworkStream(socket, ownsSocket: true), connection);
        await using (stream.ConfigureAwait(false))
        {
            var input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
            using var idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(idle.Token, _endedByServer.Token, cancellationToken);
            var origin = time.GetTimestamp();
            var units = -1L;
            try
            {
                while (true)
                {
                    // The idle timer restarts on complete units (handshake parts, whole messages), not on every byte.
                    if (_session.UnitsReceived != units)
                    {
                        units = _session.UnitsReceived;
                        idle.CancelAfter(idleTimeout);
                    }

                    var result = await input.ReadAsync(linked.Token).ConfigureAwait(false);
                    var buffer = result.Buffer;
                    var ok = _session.HandleInput(buffer, time.GetElapsedTime(origin), out var consumed);
                    input.AdvanceTo(consumed, buffer.End);
                    await HandleEventsAsync(linked.Token).ConfigureAwait(false);
                    while (_session.TryPollTransmit(out var data))
                    {
                        await stream.WriteAsync(data, linked.Token).ConfigureAwait(false);
                    }

                    if (!ok)
                    {
                        IngestLog.RtmpProtocolError(logger, _remote, _session.Error);
                        return;
                    }

                    if (result.IsCompleted)
                    {
                        if (!buffer.Slice(consumed).IsEmpty || _session.State != RtmpSessionState.Open)
                        {
                            IngestLog.RtmpProtocolError(logger, _remote, "truncated input");
                        }

                        return;
                    }
                }
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

    private async Task HandleEventsAsync(CancellationToken cancellationToken)
    {
        while (_session.TryPollEvent(out var e))
        {
            switch (e.Kind)
            {
                case RtmpServerEventKind.PublishRequested:
                    await StartPublicationAsync(e.MessageStreamId, e.StreamName!, cancellationToken).ConfigureAwait(false);
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
