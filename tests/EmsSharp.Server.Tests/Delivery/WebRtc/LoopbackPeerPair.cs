using System.Net;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Protocols.Sdp;
using EmsSharp.WebRtc;

namespace EmsSharp.Server.Tests.Delivery.WebRtc;

/// <summary>
/// The ems's session and a viewer's, each on its own real loopback UDP port (the server's sends batched as by default),
/// for a media sender under test: subscribe to the viewer's events, then <see cref="ConnectAsync"/>.
/// </summary>
internal sealed class LoopbackPeerPair : IAsyncDisposable
{
    private LoopbackPeerPair(UdpPortDriver serverPort, UdpPortDriver viewerPort)
    {
        ServerPort = serverPort;
        ViewerPort = viewerPort;
        var options = new PeerSessionOptions { Certificate = DtlsCertificate.Generate(), LoopbackOnly = true };
        Server = serverPort.CreateSession(options);
        Viewer = viewerPort.CreateSession(options with { Certificate = DtlsCertificate.Generate() });
    }

    public UdpPortDriver ServerPort { get; }

    public UdpPortDriver ViewerPort { get; }

    public PeerSession Server { get; }

    public PeerSession Viewer { get; }

    public static LoopbackPeerPair Create() =>
        new(UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback }),
            UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback }));

    /// <summary>
    /// The server offers <paramref name="offer"/>'s sections, the viewer answers; returns the server's keys once both
    /// ends have theirs (the server, DTLS server here, may finish first, and a viewer drops SRTP until it has keys).
    /// </summary>
    public async Task<DtlsSrtpKeys> ConnectAsync(WebRtcOfferOptions offer)
    {
        var serverKeys = new TaskCompletionSource<DtlsSrtpKeys>(TaskCreationOptions.RunContinuationsAsynchronously);
        var viewerConnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Server.DtlsConnected += (_, keys) => serverKeys.TrySetResult(keys);
        Viewer.DtlsConnected += (_, _) => viewerConnected.TrySetResult();
        await Viewer.SetRemoteDescriptionAsync(await Server.CreateOfferAsync(offer));
        await Server.SetRemoteDescriptionAsync(await Viewer.CreateAnswerAsync());
        await viewerConnected.Task.WaitAsync(TimeSpan.FromSeconds(20));
        return await serverKeys.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    public async ValueTask DisposeAsync()
    {
        await Viewer.DisposeAsync();
        await Server.DisposeAsync();
        await ViewerPort.DisposeAsync();
        await ServerPort.DisposeAsync();
    }
}
