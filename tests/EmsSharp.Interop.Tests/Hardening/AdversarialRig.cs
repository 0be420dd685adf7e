using System.Net;
using System.Text.Json;
using EmsSharp.Interop.Tests.Playback;
using EmsSharp.Load.Viewers;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Rendezvous;
using EmsSharp.Rendezvous.Configuration;
using EmsSharp.Server;
using EmsSharp.Server.Delivery.Fmp4;
using EmsSharp.Server.Delivery.WebRtc;
using EmsSharp.Server.Ingest;
using EmsSharp.Server.Tests;
using EmsSharp.WebRtc;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>
/// What the adversarial suite attacks: the in-process ers and ems of <see cref="PlaybackRig"/> (the sample file as
/// stream <c>test</c>, a WebRTC service in the rig's room) with every option at its default except ephemeral loopback
/// ports and the two a careful operator sets: an EMS token on the ers (so the EMS role is guarded) and a publish key for
/// one stream on the ems. Attackers connect from 127.0.0.2 and up, each probe from addresses of its own.
/// </summary>
internal sealed class AdversarialRig : IAsyncDisposable
{
    public const string Stream = "test";
    public const string EmsToken = "adversarial-ems-token";
    public const string KeyedStream = "keyed";
    public const string PublishKey = "s3cret";

    /// <summary>The WS-FMP4 read key of every stream (<c>*</c>): with read keys set, no stream is open to viewers without one.</summary>
    public const string ReadKey = "v1ew";

    private readonly HttpClient _http = new();
    private readonly ErsViewerSignallingFactory _srtpViewers;
    private readonly ErsViewerSignallingFactory _fmp4Viewers;
    private int _attackers;

    private AdversarialRig(PlaybackRig rig)
    {
        Rig = rig;
        _srtpViewers = new ErsViewerSignallingFactory(ViewerRun(ViewerTransport.Srtp));
        _fmp4Viewers = new ErsViewerSignallingFactory(ViewerRun(ViewerTransport.Fmp4));
    }

    public PlaybackRig Rig { get; }

    public EmsHost Ems => Rig.Ems;

    public ErsHost Ers => Rig.Ers;

    /// <summary>Every reply any client of the suite read, scanned for leaked stack traces.</summary>
    public ReplyLeaks Replies { get; } = new();

    public DtlsCertificate ViewerCertificate { get; } = DtlsCertificate.Generate("CN=adversarial-viewer");

    public StreamHub Hub => Ems.Services.GetRequiredService<StreamHub>();

    public IPEndPoint Rtmp => Ems.Services.GetRequiredService<RtmpServer>().LocalEndPoint!;

    public IPEndPoint Rtsp => Ems.Services.GetRequiredService<RtspServer>().LocalEndPoint!;

    public IPEndPoint AsciiCli => Ems.AsciiCliEndPoint!;

    public IPEndPoint JsonCli => Ems.JsonCliEndPoint!;

    public IPEndPoint HttpApi => Ems.HttpEndPoint!;

    public IPEndPoint WsFmp4 => Ems.Services.GetRequiredService<WsFmp4Endpoint>().BoundEndPoint!;

    public IPEndPoint ErsSignalling => new(IPAddress.Loopback, Ers.Port);

    public IPEndPoint ErsAdmin => new(IPAddress.Loopback, Ers.AdminPort!.Value);

    /// <summary>The ers's STUN/TURN port (UDP and TCP).</summary>
    public IPEndPoint Turn => new(IPAddress.Loopback, Ers.TurnPort!.Value);

    /// <summary>The ems's WebRTC port (UDP, and ICE-TCP on the same number).</summary>
    public UdpPortDriver WebRtc => Ems.Services.GetRequiredService<WebRtcPort>().Driver;

    public static async Task<AdversarialRig> StartAsync()
    {
        var rig = await PlaybackRig.StartWithoutBrowserAsync(
            o => o.EmsTokens.Add(new EmsTokenOptions(EmsToken)),
            "--Ingest:RtmpAddress", "127.0.0.1", "--Ingest:RtspAddress", "127.0.0.1", "--WsFmp4:BindAddress", "127.0.0.1",
            $"--Ingest:PublishKeys:{KeyedStream}", PublishKey, "--WsFmp4:ReadKeys:*", ReadKey);
        try
        {
            await rig.StartWebrtcAsync(EmsToken);
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }

        return new AdversarialRig(rig);
    }

    /// <summary>A loopback address no earlier probe used (127.0.0.2, .3, ...), so per-address caps count each probe afresh.</summary>
    public IPAddress NextAttacker()
    {
        var last = 1 + Interlocked.Increment(ref _attackers);
        Assert.True(last < 255, "the probes used every address of 127.0.0.0/24: take them from 127.0.1.0/24 too");
        return new IPAddress([127, 0, 0, (byte)last]);
    }

    /// <summary>A viewer as the load tool simulates one, joining the rig's room through the ers (not yet joined).</summary>
    public SimulatedViewer NewViewer(ViewerTransport transport) =>
        new((transport == ViewerTransport.Fmp4 ? _fmp4Viewers : _srtpViewers).Create(), transport, Stream, ViewerCertificate);

    /// <summary>A viewer's signalling alone: it joins and gets the ems's offer, and answers only if told to.</summary>
    public IViewerSignalling NewViewerSignalling() => _srtpViewers.Create();

    /// <summary>
    /// A request to the ems HTTP API (<paramref name="pathAndQuery"/>), as a script sends it: no browser headers unless
    /// given (<c>Host</c> replaces the host's).
    /// </summary>
    public async Task<(HttpStatusCode Status, JsonElement Reply)> ApiAsync(
        HttpMethod method, string pathAndQuery, CancellationToken token, params (string Name, string Value)[] headers)
    {
        var (status, body) = await SendAsync(method, new Uri($"http://{HttpApi}/{pathAndQuery}"), headers, token);
        return (status, Envelope.Parse(body));
    }

    /// <summary>A GET to the ers admin API (<c>?<paramref name="query"/></c>), with <paramref name="headers"/> if given.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Reply)> AdminAsync(
        string query, CancellationToken token, params (string Name, string Value)[] headers)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, new Uri($"http://{ErsAdmin}/?{query}"), headers, token);
        using var document = JsonDocument.Parse(body);
        return (status, document.RootElement.Clone());
    }

    public async ValueTask DisposeAsync()
    {
        _srtpViewers.Dispose();
        _fmp4Viewers.Dispose();
        _http.Dispose();
        await Rig.DisposeAsync();
    }

    /// <summary>Sends on a fresh connection (a pooled one would not show whether the listener still accepts).</summary>
    private async Task<(HttpStatusCode Status, string Body)> SendAsync(
        HttpMethod method, Uri uri, (string Name, string Value)[] headers, CancellationToken token)
    {
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.ConnectionClose = true;
        foreach (var (name, value) in headers)
        {
            if (name == "Host")
                request.Headers.Host = value;
            else
                request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await _http.SendAsync(request, token);
        var body = await response.Content.ReadAsStringAsync(token);
        Replies.Add($"HTTP {method} {uri.Authority}{uri.AbsolutePath}", body);
        return (response.StatusCode, body);
    }

    private ViewerOptions ViewerRun(ViewerTransport transport) => new()
    {
        Ers = new Uri($"http://127.0.0.1:{Ers.Port}/"),
        Room = PlaybackRig.Room,
        Stream = Stream,
        Transport = transport,
    };
}
