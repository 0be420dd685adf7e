using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using EmsSharp.Protocols.Rtsp;

namespace EmsSharp.Interop.Tests.Ingest;

/// <summary>
/// An RTSP source for pull tests. ffmpeg cannot serve DESCRIBE/PLAY (its <c>-rtsp_flags listen</c> is for
/// input only), so ffmpeg makes the media as plain RTP (H.264 and AAC mpeg4-generic) plus its SDP, and this
/// shim answers OPTIONS/DESCRIBE/SETUP/PLAY/GET_PARAMETER (Digest-protected when credentials are given) and
/// relays ffmpeg's RTP to the client, interleaved or over UDP. It announces a 4 s session timeout so the
/// client's keep-alives show within a short test.
/// </summary>
internal sealed class RtspSourceShim : IAsyncDisposable
{
    private const string Realm = "shim";
    private const string Nonce = "8a5f0c1e";
    private readonly Socket _listener;
    private readonly (Socket Rtp, Socket Rtcp)[] _inputs;
    private readonly FfmpegProcess _ffmpeg;
    private readonly string _sdp;
    private readonly string? _user;
    private readonly string? _password;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private int _keepAlives;
    private int _challenges;
    private int _disposed;

    private RtspSourceShim(Socket listener, (Socket, Socket)[] inputs, FfmpegProcess ffmpeg, string sdp, string? user, string? password)
    {
        _listener = listener;
        _inputs = inputs;
        _ffmpeg = ffmpeg;
        _sdp = sdp;
        _user = user;
        _password = password;
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public int KeepAlives => Volatile.Read(ref _keepAlives);

    public int Challenges => Volatile.Read(ref _challenges);

    public string FfmpegErrors => _ffmpeg.Stderr;

    /// <summary>Starts ffmpeg and listens on <paramref name="port"/> (0 = ephemeral) for one client at a time.</summary>
    public static async Task<RtspSourceShim> StartAsync(int port, int seconds, string? user = null, string? password = null)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(4);
        (Socket, Socket)[] inputs = [BindPair(), BindPair()];
        var sdpFile = Path.Combine(Path.GetTempPath(), "shim-" + Guid.NewGuid().ToString("N") + ".sdp");
        var ffmpeg = FfmpegProcess.Start(
            "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", seconds.ToString(CultureInfo.InvariantCulture),
            "-map", "0:v", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p",
            "-f", "rtp", $"rtp://127.0.0.1:{LocalPort(inputs[0].Item1)}",
            "-map", "1:a", "-c:a", "aac", "-b:a", "64k",
            "-f", "rtp", $"rtp://127.0.0.1:{LocalPort(inputs[1].Item1)}",
            "-sdp_file", sdpFile);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        string sdp = "";
        while (DateTime.UtcNow < deadline && !(File.Exists(sdpFile) && (sdp = await File.ReadAllTextAsync(sdpFile)).Contains("m=audio", StringComparison.Ordinal)))
        {
            Assert.False(ffmpeg.HasExited, "ffmpeg ended: " + ffmpeg.Stderr);
            await Task.Delay(50); // polling a file another process writes, with a deadline
        }

        File.Delete(sdpFile);
        Assert.Contains("m=audio", sdp, StringComparison.Ordinal);
        var shim = new RtspSourceShim(listener, inputs, ffmpeg, AddControls(sdp), user, password);
        shim.Track(shim.AcceptAsync());
        return shim;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        _listener.Dispose();
        foreach (var (rtp, rtcp) in _inputs)
        {
            rtp.Dispose();
            rtcp.Dispose();
        }

        _ffmpeg.Dispose();
        Task[] tasks;
        lock (_tasks)
        {
            tasks = [.. _tasks];
        }

        await Task.WhenAll(tasks);
        _stop.Dispose();
    }

    private void Track(Task task)
    {
        lock (_tasks)
        {
            _tasks.Add(task);
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptAsync(_stop.Token);
                Track(ServeAsync(client));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using var connection = client;
        var buffer = new byte[64 * 1024];
        int length = 0;
        var tracks = new (int Channel, IPEndPoint? Udp)[_inputs.Length];
        try
        {
            while (true)
            {
                var status = RtspStreamParser.Read(buffer.AsSpan(0, length), RtspLimits.Default, out var request, out _, out var consumed);
                if (status == RtspReadStatus.NeedMore)
                {
                    int read = await client.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    length += read;
                    continue;
                }

                buffer.AsSpan(consumed, length - consumed).CopyTo(buffer);
                length -= consumed;
                if (status != RtspReadStatus.Message || !request!.IsRequest)
                {
                    continue; // RTCP from the client or a stray response
                }

                var response = Handle(request, tracks, client);
                await SendAsync(client, response.ToArray());
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private RtspMessage Handle(RtspMessage request, (int Channel, IPEndPoint? Udp)[] tracks, Socket client)
    {
        var ok = RtspMessage.CreateResponse(200, "OK").AddHeader("CSeq", request.GetHeader("CSeq") ?? "0");
        if (request.Method is not "OPTIONS" and not "GET_PARAMETER" && _user is not null && !IsAuthorized(request))
        {
            Interlocked.Increment(ref _challenges);
            return RtspMessage.CreateResponse(401, "Unauthorized").AddHeader("CSeq", request.GetHeader("CSeq") ?? "0")
                .AddHeader("WWW-Authenticate", $"Digest realm=\"{Realm}\", nonce=\"{Nonce}\"");
        }

        switch (request.Method)
        {
            case "OPTIONS":
            case "GET_PARAMETER":
                if (request.GetHeader("Session") is not null)
                {
                    Interlocked.Increment(ref _keepAlives);
                }

                return ok.AddHeader("Public", "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER");
            case "DESCRIBE":
                ok.AddHeader("Content-Type", "application/sdp").AddHeader("Content-Base", request.Uri! + "/");
                ok.Body = Encoding.ASCII.GetBytes(_sdp);
                return ok;
            case "SETUP":
                {
                    int index = request.Uri!.EndsWith("trackID=1", StringComparison.Ordinal) ? 1 : 0;
                    Assert.True(RtspTransport.TryParse(request.GetHeader("Transport"), out var transport));
                    RtspTransport reply;
                    if (transport.IsTcp)
                    {
                        tracks[index] = (transport.Interleaved!.Value.Rtp, null);
                        reply = transport;
                    }
                    else
                    {
                        tracks[index] = (-1, new IPEndPoint(IPAddress.Loopback, transport.ClientPort!.Value.Rtp));
                        reply = transport with { ServerPort = (LocalPort(_inputs[index].Rtp), LocalPort(_inputs[index].Rtcp)) };
                    }

                    return ok.AddHeader("Transport", reply.ToString()).AddHeader("Session", "5eca1d;timeout=4");
                }

            case "PLAY":
                for (int i = 0; i < tracks.Length; i++)
                {
                    Track(RelayAsync(_inputs[i].Rtp, tracks[i], client));
                }

                return ok.AddHeader("Session", "5eca1d;timeout=4");
            default:
                return ok;
        }
    }

    private async Task RelayAsync(Socket input, (int Channel, IPEndPoint? Udp) target, Socket client)
    {
        var buffer = new byte[4 + 65536];
        try
        {
            while (true)
            {
                int read = await input.ReceiveAsync(buffer.AsMemory(4), SocketFlags.None, _stop.Token);
                if (target.Udp is not null)
                {
                    await input.SendToAsync(buffer.AsMemory(4, read), SocketFlags.None, target.Udp, _stop.Token);
                    continue;
                }

                new RtspInterleavedFrame((byte)target.Channel, read).TryWrite(buffer, out _);
                await SendAsync(client, buffer.AsMemory(0, 4 + read));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task SendAsync(Socket client, ReadOnlyMemory<byte> data)
    {
        await _sendLock.WaitAsync(_stop.Token);
        try
        {
            await client.SendAsync(data, SocketFlags.None, _stop.Token);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    // The test's own RFC 2617 §3.2.2.1 check (no qop): response = MD5(MD5(user:realm:pass):nonce:MD5(method:uri)).
    private bool IsAuthorized(RtspMessage request)
    {
        var header = request.GetHeader("Authorization");
        if (header is null || !header.StartsWith("Digest ", StringComparison.Ordinal))
        {
            return false;
        }

        var fields = RtspAuthenticator.ParseParameters(header[7..]);
        var ha1 = Md5($"{_user}:{Realm}:{_password}");
        var ha2 = Md5($"{request.Method}:{fields.GetValueOrDefault("uri")}");
        return fields.GetValueOrDefault("username") == _user && fields.GetValueOrDefault("response") == Md5($"{ha1}:{Nonce}:{ha2}");
    }

#pragma warning disable CA5351 // RFC 2617 Digest is MD5
    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351

    private static string AddControls(string sdp)
    {
        var builder = new StringBuilder();
        int track = 0;
        foreach (var line in sdp.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            builder.Append(line).Append("\r\n");
            if (line.StartsWith("m=", StringComparison.Ordinal))
            {
                builder.Append("a=control:trackID=").Append(track++).Append("\r\n");
            }
        }

        return builder.ToString();
    }

    private static int LocalPort(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    private static (Socket, Socket) BindPair()
    {
        while (true)
        {
            var rtp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            rtp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int port = LocalPort(rtp);
            if (port % 2 == 0)
            {
                var rtcp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                try
                {
                    rtcp.Bind(new IPEndPoint(IPAddress.Loopback, port + 1));
                    return (rtp, rtcp);
                }
                catch (SocketException)
                {
                    rtcp.Dispose();
                }
            }

            rtp.Dispose();
        }
    }
}
