using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtsp;
using EmsSharp.Server.Connections;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// Pulls one <c>rtsp://[user:password@]host[:port]/path</c> into the hub (RFC 2326 §10 PLAY flow: OPTIONS,
/// DESCRIBE, SETUP per track, PLAY), RTP over TCP interleaved or UDP, Basic/Digest authentication, and
/// keep-alive (GET_PARAMETER when offered, else OPTIONS) at half the session timeout (RFC 2326 §12.37).
/// <see cref="RunAsync"/> returns (or throws) when the session ends; the pull manager retries.
/// </summary>
internal sealed class RtspPullClient(
    Uri uri, string streamName, bool forceTcp, StreamHub hub, TimeProvider time, TimeSpan dataTimeout,
    Func<Socket, string, Connection> openConnection)
{
    private readonly List<(RtspServerTrack Track, string Control)> _tracks = [];
    private readonly string _requestUri = new UriBuilder(uri) { UserName = "", Password = "" }.Uri.AbsoluteUri;
    private RtspClientChannel? _channel;
    private Socket? _socket;
    private bool _getParameterAllowed;
    private long _lastData;

    /// <summary>Runs the session to its end: throws <see cref="IOException"/> with the reason on any failure.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket = socket;
        using var closing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receivers = new List<Task>();
        LiveStream? stream = null;
        Connection? connection = null;
        try
        {
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connect.CancelAfter(dataTimeout);
                await socket.ConnectAsync(uri.Host, uri.Port > 0 ? uri.Port : 554, connect.Token).ConfigureAwait(false);
            }

            connection = openConnection(socket, "RTSP");
            _channel = new RtspClientChannel(socket, connection, RtspClientChannel.AuthenticatorFor(uri), dataTimeout, "source");
            var options = await _channel.RequestAsync(RtspMessage.CreateRequest("OPTIONS", _requestUri), closing.Token).ConfigureAwait(false);
            _getParameterAllowed = options.GetHeader("Public")?.Contains("GET_PARAMETER", StringComparison.OrdinalIgnoreCase) == true;
            await DescribeAsync(closing.Token).ConfigureAwait(false);
            await SetupAsync(closing.Token).ConfigureAwait(false);
            var play = RtspMessage.CreateRequest("PLAY", _requestUri).AddHeader("Range", "npt=0.000-");
            await _channel.RequestAsync(play, closing.Token).ConfigureAwait(false);

            var origin = new StreamOrigin(StreamOrigin.RtspTag, _socket!.LocalEndPoint as IPEndPoint, _socket.RemoteEndPoint as IPEndPoint);
            if (!hub.TryPublish(streamName, out stream, origin))
            {
                throw new IOException($"stream {streamName} is already live");
            }

            connection.AttachStream(stream.Id);

            foreach (var (track, _) in _tracks)
            {
                track.Ingest.Attach(stream);
                if (track.Udp is not null)
                {
                    receivers.Add(track.Udp.RunAsync(track.Ingest, track.UdpSource!, time, closing.Token));
                }
            }

            _lastData = time.GetTimestamp();
            var keepAlive = KeepAliveAsync(closing);
            try
            {
                await ReceiveAsync(closing.Token).ConfigureAwait(false);
            }
            finally
            {
                await closing.CancelAsync().ConfigureAwait(false);
                await keepAlive.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException("no media for " + dataTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s");
        }
        catch (SocketException e)
        {
            throw new IOException(e.Message, e);
        }
        finally
        {
            foreach (var (track, _) in _tracks)
            {
                track.Udp?.Dispose();
            }

            await Task.WhenAll(receivers).ConfigureAwait(false);
            stream?.Dispose();
            _channel?.Dispose();
            connection?.Dispose();
        }
    }

    private async Task DescribeAsync(CancellationToken cancellationToken)
    {
        var describe = RtspMessage.CreateRequest("DESCRIBE", _requestUri).AddHeader("Accept", "application/sdp");
        var response = await _channel!.RequestAsync(describe, cancellationToken).ConfigureAwait(false);
        if (!RtspSessionDescription.TryParse(Encoding.UTF8.GetString(response.Body.Span), out var sdp))
        {
            throw new IOException("DESCRIBE returned no usable SDP");
        }

        // RFC 2326 §C.1.1: relative control URLs resolve against Content-Base, Content-Location, or the request URL.
        var baseUrl = response.GetHeader("Content-Base") ?? response.GetHeader("Content-Location") ?? _requestUri;
        bool video = false, audio = false;
        foreach (var media in sdp.Media)
        {
            if (!RtpTrackIngest.TryCreate(media, out var ingest, out _) || (ingest.IsVideo ? video : audio))
            {
                continue;
            }

            video |= ingest.IsVideo;
            audio |= !ingest.IsVideo;
            _tracks.Add((new RtspServerTrack(media, ingest), media.ResolveControl(baseUrl)));
        }

        if (_tracks.Count == 0)
        {
            throw new IOException("the source offers no supported track (H.264, AAC, Opus, PCMU, PCMA)");
        }
    }

    private async Task SetupAsync(CancellationToken cancellationToken)
    {
        var local = ((IPEndPoint)_socket!.LocalEndPoint!).Address;
        local = local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local;
        for (int i = 0; i < _tracks.Count; i++)
        {
            var (track, control) = _tracks[i];
            RtspTransport transport;
            if (forceTcp)
            {
                transport = new RtspTransport { IsTcp = true, Interleaved = (2 * i, (2 * i) + 1) };
            }
            else
            {
                track.Udp = RtpUdpReceiver.Bind(local);
                transport = new RtspTransport { ClientPort = (track.Udp.RtpPort, track.Udp.RtcpPort) };
            }

            var setup = RtspMessage.CreateRequest("SETUP", control).AddHeader("Transport", transport.ToString());
            var response = await _channel!.RequestAsync(setup, cancellationToken).ConfigureAwait(false);
            if (!RtspTransport.TryParse(response.GetHeader("Transport"), out var chosen) || chosen.IsTcp != forceTcp)
            {
                throw new IOException("SETUP answered with an unusable Transport");
            }

            if (forceTcp)
            {
                track.RtpChannel = (chosen.Interleaved ?? transport.Interleaved!.Value).Rtp;
            }
            else
            {
                if (chosen.ServerPort is not { } serverPort)
                {
                    throw new IOException("SETUP answered without server_port");
                }

                var remote = ((IPEndPoint)_socket.RemoteEndPoint!).Address;
                track.UdpSource = new IPEndPoint(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote, serverPort.Rtp);
            }
        }
    }

    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var (status, message, frame, payload) = await _channel!.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            switch (status)
            {
                case RtspReadStatus.InterleavedFrame:
                    Volatile.Write(ref _lastData, time.GetTimestamp());
                    foreach (var (track, _) in _tracks)
                    {
                        if (track.RtpChannel == frame.Channel)
                        {
                            track.Ingest.HandleRtp(payload.Span);
                            break;
                        }
                    }

                    break;
                case RtspReadStatus.Message:
                    if (message!.IsRequest)
                    {
                        // A server request (e.g. a keep-alive of its own): answer so it does not wait.
                        var reply = RtspMessage.CreateResponse(200, "OK").AddHeader("CSeq", message.GetHeader("CSeq") ?? "0");
                        await _channel.SendAsync(reply, cancellationToken).ConfigureAwait(false);
                    }

                    break; // responses to keep-alives need no action
                default:
                    throw _channel.Failure(status);
            }
        }
    }

    private async Task KeepAliveAsync(CancellationTokenSource closing)
    {
        var interval = TimeSpan.FromSeconds(_channel!.SessionTimeout) / 2;
        var check = TimeSpan.FromMilliseconds(Math.Min(1000, interval.TotalMilliseconds));
        var lastKeepAlive = time.GetTimestamp();
        try
        {
            while (true)
            {
                await Task.Delay(check, time, closing.Token).ConfigureAwait(false);
                var last = Volatile.Read(ref _lastData);
                foreach (var (track, _) in _tracks)
                {
                    if (track.Udp is { } udp)
                    {
                        last = Math.Max(last, udp.LastPacketTimestamp);
                    }
                }

                if (time.GetElapsedTime(last) > dataTimeout)
                {
                    await closing.CancelAsync().ConfigureAwait(false); // no media: end so the manager retries
                    return;
                }

                if (time.GetElapsedTime(lastKeepAlive) >= interval)
                {
                    lastKeepAlive = time.GetTimestamp();
                    var request = RtspMessage.CreateRequest(_getParameterAllowed ? "GET_PARAMETER" : "OPTIONS", _requestUri);
                    await _channel.SendAsync(_channel.Prepare(request), closing.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // Session over.
        }
    }
}
