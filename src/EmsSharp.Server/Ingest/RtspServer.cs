using System.Net;
using System.Net.Sockets;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Net;
using EmsSharp.Protocols.Rtsp;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// Accepts RTSP publishers (ANNOUNCE/RECORD to <c>rtsp://host:5544/&lt;stream name&gt;</c>, RTP over TCP
/// interleaved or UDP) and publishes them into the <see cref="StreamHub"/>.
/// </summary>
internal sealed class RtspServer(
    IOptions<IngestOptions> options, PublishAuthorizer publishers, TimeProvider time, ILogger<RtspServer> logger)
    : TcpIngestListener(time)
{
    private readonly IngestOptions _options = options.Value;

    protected override bool Enabled => _options.RtspEnabled;

    protected override IPEndPoint BindEndPoint => new(IPAddress.Parse(_options.RtspAddress), _options.RtspPort);

    protected override int MaxConnections => _options.RtspMaxConnections;

    protected override int MaxConnectionsPerAddress => _options.RtspMaxConnectionsPerAddress;

    protected override void LogListening(IPEndPoint endPoint)
    {
        IngestLog.RtspListening(logger, endPoint);
        if (publishers.IsOpen)
            IngestLog.PublishingOpen(logger, "RTSP", endPoint);
    }

    protected override void LogRefused(EndPoint? remote, string reason) => IngestLog.RtspConnectionRefused(logger, remote, reason);

    protected override void LogEvicted(IPAddress address, long evicted) =>
        IngestLog.ConnectionEvicted(logger, "RTSP", MaxConnections, address, evicted);

    protected override void LogAcceptFailed(SocketError error) => IngestLog.AcceptFailed(logger, "RTSP", error);

    protected override Task RunConnectionAsync(Socket socket, ConnectionSlot slot, CancellationToken cancellationToken) =>
        new RtspIngestConnection(socket, publishers, Time, RtspLimits.Default, _options.RtspIdleTimeout, logger, slot).RunAsync(cancellationToken);
}
