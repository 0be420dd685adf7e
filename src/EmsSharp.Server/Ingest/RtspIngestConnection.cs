using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Net;
using EmsSharp.Protocols.Rtsp;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Delivery.Rtsp;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// The driver of one RTSP connection (RFC 2326 §10), a publisher's or a player's. Publishing (RECORD flow ANNOUNCE →
/// SETUP → RECORD): <c>rtsp://host:port/&lt;stream name&gt;</c> publishes into the hub; a live name is refused with 403.
/// Playing (DESCRIBE → SETUP → PLAY): a first DESCRIBE hands the connection's SETUP and PLAY to an
/// <see cref="RtspPlayback"/>. Both: OPTIONS, GET_PARAMETER/SET_PARAMETER (keep-alive), TEARDOWN. Malformed input
/// closes only this connection, with a log line.
/// </summary>
internal sealed class RtspIngestConnection(
    Socket socket, PublishAuthorizer publishers, TimeProvider time, RtspLimits limits, TimeSpan idleTimeout, ILogger logger, ConnectionSlot slot,
    Connection connection, RtspPlaybackContext? playback = null)
{
    private const string Methods = "OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, TEARDOWN, GET_PARAMETER, SET_PARAMETER";
    private readonly EndPoint? _remote = socket.RemoteEndPoint;
    private readonly List<RtspServerTrack> _tracks = [];
    private readonly List<Task> _udpTasks = [];
    private readonly string _sessionId = Random.Shared.NextInt64(1, long.MaxValue).ToString("x", CultureInfo.InvariantCulture);
    private readonly RtspDigestChallenge _digest = new("EmsSharp", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
    private PublishDecision? _decision;
    private string? _announceUri;
    private LiveStream? _stream;
    private RtpUdpReceiver[] _receivers = [];
    private long _lastActivity;
    private CancellationTokenSource? _closing;
    private RtspConnectionWriter? _writer;
    private RtspPlayback? _play;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var closing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _closing = closing;
        using var writer = new RtspConnectionWriter(socket, connection, playback?.Settings.SendTimeout ?? TimeSpan.FromSeconds(10));
        _writer = writer;
        var reader = new RtspConnectionReader(socket, limits, connection);
        _lastActivity = time.GetTimestamp();
        var watchdog = WatchIdleAsync(closing);
        string? reason = null;
        try
        {
            while (reason is null)
            {
                var (status, message, frame, payload) = await reader.ReadAsync(closing.Token).ConfigureAwait(false);
                Volatile.Write(ref _lastActivity, time.GetTimestamp());
                switch (status)
                {
                    case RtspReadStatus.Message:
                        reason = await HandleAsync(message!, closing.Token).ConfigureAwait(false);
                        break;
                    case RtspReadStatus.InterleavedFrame:
                        HandleFrame(frame, payload.Span);
                        break;
                    case RtspReadStatus.Invalid:
                        reason = "malformed RTSP input";
                        IngestLog.RtspProtocolError(logger, _remote, reason);
                        break;
                    default:
                        reason = reader.HasPending ? "truncated input" : "closed by peer";
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            IngestLog.RtspProtocolError(logger, _remote, _stream?.IsClosed == true ? "stream shut down" : "idle timeout");
        }
        catch (OperationCanceledException)
        {
            // Server stopping.
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or TimeoutException)
        {
            IngestLog.RtspConnectionFailed(logger, _remote, e); // TimeoutException: the peer did not read our answers
        }
        finally
        {
            await closing.CancelAsync().ConfigureAwait(false);
            socket.Dispose();
            if (_play is not null)
            {
                await _play.DisposeAsync().ConfigureAwait(false); // stops the reader, leaves the outputs (outStreamClosed)
            }

            foreach (var track in _tracks)
            {
                track.Udp?.Dispose();
            }

            await Task.WhenAll(_udpTasks).ConfigureAwait(false);
            await watchdog.ConfigureAwait(false);
            if (_stream is not null)
            {
                IngestLog.RtspPublishEnded(logger, _stream.Name);
                _stream.Dispose();
            }

            IngestLog.RtspConnectionEnded(logger, _remote);
        }
    }

    private async Task<string?> HandleAsync(RtspMessage request, CancellationToken cancellationToken)
    {
        if (!request.IsRequest)
        {
            return null; // a response to nothing we sent: ignore
        }

        var (response, close) = request.Method switch
        {
            "OPTIONS" => (Ok(request).AddHeader("Public", Methods), false),
            "DESCRIBE" => await DescribeAsync(request, cancellationToken).ConfigureAwait(false),
            "ANNOUNCE" when _play is null => await AnnounceAsync(request, cancellationToken).ConfigureAwait(false),
            "SETUP" when _play is not null => _play.Setup(request),
            "SETUP" => Setup(request),
            "PLAY" when _play is not null => await _play.PlayAsync(request, cancellationToken).ConfigureAwait(false),
            "RECORD" when _play is null => Record(request),
            "ANNOUNCE" or "PLAY" or "RECORD" => (Reply(request, 455, "Method Not Valid in This State"), false),
            "GET_PARAMETER" or "SET_PARAMETER" => (Ok(request), false),
            "TEARDOWN" => (Ok(request), true),
            _ => (Reply(request, 405, "Method Not Allowed").AddHeader("Allow", Methods), false),
        };
        await _writer!.SendAsync(response.ToArray(), cancellationToken).ConfigureAwait(false);
        if (_play is { State: RtspPlayState.Playing } play && play.Start() is var output and > 0)
        {
            connection.AttachStream(output);
        }

        return close ? "teardown" : null;
    }

    // RFC 2326 §10.2: a DESCRIBE makes this a player's connection (a publisher's never describes).
    private async Task<(RtspMessage, bool)> DescribeAsync(RtspMessage request, CancellationToken cancellationToken)
    {
        if (playback is null || _announceUri is not null)
        {
            return (Reply(request, playback is null ? 405 : 455, playback is null ? "Method Not Allowed" : "Method Not Valid in This State"), false);
        }

        var play = _play ?? new RtspPlayback(playback, _writer!, socket, connection, _sessionId, () => CancelQuietly(_closing), time, logger);
        var (response, close) = await play.DescribeAsync(request, cancellationToken).ConfigureAwait(false);
        if (play.State == RtspPlayState.Init && _play is null)
        {
            // Refused or not found: the connection is nobody's yet (a client may DESCRIBE before it ANNOUNCEs).
            await play.DisposeAsync().ConfigureAwait(false);
            return (response, close);
        }

        _play = play;
        slot.MarkProven(); // a player admitted to a live stream is never closed to admit another connection
        return (response, close);
    }

    private static void CancelQuietly(CancellationTokenSource? closing)
    {
        try
        {
            closing?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the connection is gone already
        }
    }

    private async Task<(RtspMessage, bool)> AnnounceAsync(RtspMessage request, CancellationToken cancellationToken)
    {
        if (_announceUri is not null)
        {
            return (Reply(request, 455, "Method Not Valid in This State"), false);
        }

        if (!TryGetStreamName(request.Uri!, out var requested))
        {
            return (Reply(request, 400, "Bad Request"), true);
        }

        // RFC 2326 §D.2, RFC 2617 §3.2: a Digest answer to this connection's challenge is checked against the password.
        PresentedCredentials? presented = null;
        if (_digest.TryReadResponse(request.GetHeader("Authorization"), out var answer))
        {
            presented = new PresentedCredentials(answer.Username, password => _digest.Verify(answer, request.Method!, password));
        }

        var decision = await publishers.AuthorizeAsync(new PublishRequest("RTSP", requested, _remote, Presented: presented), cancellationToken)
            .ConfigureAwait(false);
        var name = decision.Name;
        if (!decision.Allowed)
        {
            if (decision.CredentialsMissing)
            {
                // The usual first ANNOUNCE of a client with credentials: challenge it, and keep the connection.
                return (Reply(request, 401, "Unauthorized").AddHeader("WWW-Authenticate", _digest.Header), false);
            }

            IngestLog.RtspPublishUnauthorized(logger, _remote, name.Length > 64 ? name[..64] + "..." : name, decision.Reason);
            return (Reply(request, 403, "Forbidden"), true);
        }

        if (request.GetHeader("Content-Type") is not { } type || !type.StartsWith("application/sdp", StringComparison.OrdinalIgnoreCase) ||
            !RtspSessionDescription.TryParse(Encoding.UTF8.GetString(request.Body.Span), out var sdp))
        {
            IngestLog.RtspProtocolError(logger, _remote, "ANNOUNCE without a usable SDP");
            return (Reply(request, 400, "Bad Request"), true);
        }

        if (publishers.IsHeldByAnother(decision))
        {
            IngestLog.RtspPublishRefused(logger, _remote, name);
            return (Reply(request, 403, "Forbidden"), true);
        }

        foreach (var media in sdp.Media)
        {
            if (RtpTrackIngest.TryCreate(media, out var ingest, out var reason))
            {
                if (!HasTrackOfKind(ingest.IsVideo))
                {
                    _tracks.Add(new RtspServerTrack(media, ingest));
                }
            }
            else
            {
                IngestLog.RtspTrackIgnored(logger, name, reason);
            }
        }

        if (_tracks.Count == 0)
        {
            return (Reply(request, 415, "Unsupported Media Type"), true);
        }

        _decision = decision;
        _announceUri = request.Uri!;
        return (Ok(request), false);
    }

    private (RtspMessage, bool) Setup(RtspMessage request)
    {
        if (_announceUri is null || _stream is not null)
        {
            return (Reply(request, 455, "Method Not Valid in This State"), false);
        }

        var track = FindTrack(request.Uri!);
        if (track is null)
        {
            return (Reply(request, 404, "Not Found"), false);
        }

        if (!RtspTransport.TryParse(request.GetHeader("Transport"), out var transport) || track.IsSetUp)
        {
            return (Reply(request, 461, "Unsupported Transport"), false);
        }

        RtspTransport reply;
        if (transport.IsTcp)
        {
            // RFC 2326 §10.12: the client picks the channels; default to 2n, 2n+1.
            var channels = transport.Interleaved ?? (2 * _tracks.IndexOf(track), (2 * _tracks.IndexOf(track)) + 1);
            track.RtpChannel = channels.Rtp;
            reply = new RtspTransport { IsTcp = true, Interleaved = channels, Mode = transport.Mode };
        }
        else
        {
            if (transport.ClientPort is null)
            {
                return (Reply(request, 461, "Unsupported Transport"), false);
            }

            var local = ((IPEndPoint)socket.LocalEndPoint!).Address;
            track.Udp = RtpUdpReceiver.Bind(local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local);
            var remote = ((IPEndPoint)socket.RemoteEndPoint!).Address;
            track.UdpSource = new IPEndPoint(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote, transport.ClientPort.Value.Rtp);
            reply = new RtspTransport
            {
                ClientPort = transport.ClientPort,
                ServerPort = (track.Udp.RtpPort, track.Udp.RtcpPort),
                Mode = transport.Mode,
            };
        }

        return (Ok(request).AddHeader("Transport", reply.ToString()), false);
    }

    private (RtspMessage, bool) Record(RtspMessage request)
    {
        if (_decision is null || _stream is not null || !HasTrackSetUp())
        {
            return (Reply(request, 455, "Method Not Valid in This State"), false);
        }

        var origin = new StreamOrigin(StreamOrigin.RtspTag, socket.LocalEndPoint as IPEndPoint, _remote as IPEndPoint);
        if (!publishers.TryPublish(_decision, origin, out var stream, out var tookOver))
        {
            IngestLog.RtspPublishRefused(logger, _remote, _decision.Name);
            return (Reply(request, 403, "Forbidden"), true);
        }

        if (tookOver)
        {
            IngestLog.PublishTakenOver(logger, "RTSP", _remote, _decision.Name);
        }

        _stream = stream;
        connection.AttachStream(stream.Id);
        slot.MarkProven(); // a publisher is never closed to admit another connection
        foreach (var track in _tracks)
        {
            if (!track.IsSetUp)
            {
                continue;
            }

            track.Ingest.Attach(stream);
            if (track.Udp is not null)
            {
                _udpTasks.Add(track.Udp.RunAsync(track.Ingest, track.UdpSource!, time, CancellationToken.None));
                Volatile.Write(ref _receivers, [.. Volatile.Read(ref _receivers), track.Udp]);
            }
        }

        IngestLog.RtspPublishStarted(logger, _remote, _decision.Name, stream.Id);

        // shutdownStream ends the stream from outside: close the publisher's connection with it.
        _ = stream.Completion.ContinueWith(
            static (_, state) => ((CancellationTokenSource)state!).Cancel(), _closing, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return (Ok(request), false);
    }

    private void HandleFrame(RtspInterleavedFrame frame, ReadOnlySpan<byte> payload)
    {
        foreach (var track in _tracks)
        {
            if (track.RtpChannel == frame.Channel)
            {
                track.Ingest.HandleRtp(payload);
                return;
            }
        }

        // RTCP (odd channels) and unknown channels are ignored.
    }

    private RtspServerTrack? FindTrack(string uri)
    {
        if (_tracks.Count == 1 && (_tracks[0].Media.Control is null || uri == _announceUri))
        {
            return _tracks[0];
        }

        foreach (var track in _tracks)
        {
            var control = track.Media.Control;
            if (control is not null && (uri == track.Media.ResolveControl(_announceUri!) || uri.EndsWith("/" + control, StringComparison.Ordinal)))
            {
                return track;
            }
        }

        return null;
    }

    private bool HasTrackOfKind(bool video)
    {
        foreach (var track in _tracks)
        {
            if (track.Ingest.IsVideo == video)
            {
                return true;
            }
        }

        return false;
    }

    private bool HasTrackSetUp()
    {
        foreach (var track in _tracks)
        {
            if (track.IsSetUp)
            {
                return true;
            }
        }

        return false;
    }

    // The stream name is the URL path: rtsp://host:port/<name> (slashes kept, at most 256 characters).
    private static bool TryGetStreamName(string uri, out string name)
    {
        name = "";
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || !parsed.Scheme.Equals("rtsp", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // The path names the stream; a query (?key=...) goes with it to the publish check.
        name = Uri.UnescapeDataString(parsed.AbsolutePath.Trim('/')) + parsed.Query;
        return name.Length is > 0 and <= 1024;
    }

    private RtspMessage Ok(RtspMessage request) => Reply(request, 200, "OK");

    private RtspMessage Reply(RtspMessage request, int status, string reason)
    {
        var response = RtspMessage.CreateResponse(status, reason)
            .AddHeader("CSeq", request.GetHeader("CSeq") ?? "0")
            .AddHeader("Server", "EmsSharp");
        if ((_announceUri is not null || _play?.HasSession == true) && status < 300 && request.Method is not "OPTIONS" and not "ANNOUNCE")
        {
            response.AddHeader("Session", _sessionId + ";timeout=" + ((int)idleTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        }

        return response;
    }

    private async Task WatchIdleAsync(CancellationTokenSource closing)
    {
        try
        {
            while (true)
            {
                await Task.Delay(idleTimeout / 4, time, closing.Token).ConfigureAwait(false);
                var last = Math.Max(Volatile.Read(ref _lastActivity), _play?.LastPeerActivity ?? 0);
                foreach (var udp in Volatile.Read(ref _receivers))
                {
                    last = Math.Max(last, udp.LastPacketTimestamp);
                }

                if (time.GetElapsedTime(last) > idleTimeout)
                {
                    await closing.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Connection closed.
        }
    }
}
