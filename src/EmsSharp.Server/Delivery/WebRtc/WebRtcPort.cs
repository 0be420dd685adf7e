using System.Net;
using EmsSharp.Protocols.Dtls;
using EmsSharp.Server.Identity;
using EmsSharp.WebRtc;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>
/// The one <see cref="UdpPortDriver"/> of the server, shared by every WebRTC service and viewer, bound lazily
/// at the first viewer (so a server without browsers binds nothing), and the DTLS certificate sessions use.
/// </summary>
internal sealed partial class WebRtcPort(
    IOptions<WebRtcOptions> options, DtlsIdentity identity, TimeProvider time, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private UdpPortDriver? _driver;
    private DtlsCertificate? _certificate;
    private int _warming;
    private bool _disposed;

    /// <summary>The DTLS certificate (the server's identity, converted once).</summary>
    public DtlsCertificate Certificate
    {
        get
        {
            lock (_gate)
                return _certificate ??= new DtlsCertificate(identity.Certificate);
        }
    }

    /// <summary>
    /// Once per process, when viewers may come (a WebRTC service joins its room, or a WHEP or WHIP offer arrives): runs
    /// <see cref="DtlsWarmup"/> in the background with the server's certificate, so a burst of first viewers does not
    /// wait on the JIT for their DTLS handshakes (at 100 viewers joining at 50 a second, join p50 260-700 ms without it,
    /// 25-45 ms with it; docs/BENCHMARKS.md). It costs some CPU once; a failure is logged and changes nothing else.
    /// </summary>
    public void WarmUpDtls()
    {
        if (Interlocked.Exchange(ref _warming, 1) == 0)
            _ = WarmUpAsync();
    }

    private async Task WarmUpAsync()
    {
        var logger = loggerFactory.CreateLogger<WebRtcPort>();
        try
        {
            var took = await DtlsWarmup.RunAsync(Certificate).ConfigureAwait(false);
            LogWarmedUp(logger, DtlsWarmup.DefaultHandshakes, (long)took.TotalMilliseconds);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            LogWarmupFailed(logger, e.Message);
        }
    }

    /// <summary>Whether sessions should only accept loopback peers (only loopback candidates are offered).</summary>
    public bool LoopbackOnly => IPAddress.TryParse(options.Value.BindAddress, out var bind) && IPAddress.IsLoopback(bind);

    /// <summary>The driver, bound at the first call. Throws <see cref="System.Net.Sockets.SocketException"/> when the port is busy.</summary>
    public UdpPortDriver Driver
    {
        get
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_driver is null)
                {
                    var o = options.Value;
                    var addresses = new List<IPAddress>();
                    foreach (var a in o.CandidateAddresses)
                    {
                        if (IPAddress.TryParse(a, out var ip))
                            addresses.Add(ip);
                    }

                    _driver = UdpPortDriver.Start(new UdpPortDriverOptions
                    {
                        BindAddress = IPAddress.TryParse(o.BindAddress, out var bind) ? bind : IPAddress.Any,
                        Port = o.UdpPort,
                        TcpPort = o.IceTcp ? o.TcpPort ?? o.UdpPort : null,
                        IncludeLoopback = o.IncludeLoopback,
                        CandidateAddresses = addresses.Count > 0 ? addresses : null,
                        BatchedSends = o.BatchedSends,
                        BatchedReceives = o.BatchedReceives,
                        Workers = o.Workers,
                    }, time, loggerFactory);
                    LogBound(loggerFactory.CreateLogger<WebRtcPort>(), _driver.LocalEndPoint, _driver.TcpEndPoint?.ToString() ?? "off",
                        _driver.HostCandidates.Count, _driver.BatchedSendPath, _driver.ReceivePath);
                }

                return _driver;
            }
        }
    }

    /// <summary>The driver if a viewer has bound the port already; null otherwise (never binds it).</summary>
    public UdpPortDriver? BoundDriver
    {
        get
        {
            lock (_gate)
                return _driver;
        }
    }

    public async ValueTask DisposeAsync()
    {
        UdpPortDriver? driver;
        lock (_gate)
        {
            _disposed = true;
            driver = _driver;
            _driver = null;
        }

        if (driver is not null)
            await driver.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "DTLS handshake code warmed up: {Handshakes} handshakes in memory took {Milliseconds} ms")]
    private static partial void LogWarmedUp(ILogger logger, int handshakes, long milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DTLS warm-up handshake failed ({Reason}); the first viewers' handshakes compile its code instead")]
    private static partial void LogWarmupFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "WebRTC UDP port bound on {EndPoint}, ICE-TCP on {TcpEndPoint}, with {Count} host candidates; frames sent with {SendPath}, datagrams received with {ReceivePath}")]
    private static partial void LogBound(ILogger logger, IPEndPoint endPoint, string tcpEndPoint, int count, string sendPath, string receivePath);
}
