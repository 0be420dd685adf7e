using System.Net;
using System.Net.Sockets;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Net;
using EmsSharp.Protocols.Rtsp;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Delivery.Rtsp;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// Accepts RTSP publishers (ANNOUNCE/RECORD to <c>rtsp://host:5544/&lt;stream name&gt;</c>, RTP over TCP
/// interleaved or UDP) and publishes them into the <see cref="StreamHub"/>; and, given the hub, RTSP players
/// (DESCRIBE/SETUP/PLAY of the same URL), each listed as an outbound stream when <paramref name="outputs"/> is given.
/// </summary>
internal sealed class RtspServer(
    IOptions<IngestOptions> options, PublishAuthorizer publishers, TimeProvider time, ILogger<RtspServer> logger,
    ConnectionRegistry? connections = null, StreamHub? hub = null, OutboundStreamRegistry? outputs = null)
    : TcpIngestListener(time, publishers, logger, connections)
{
    private readonly IngestOptions _options = options.Value;
    private readonly RtspPlaybackContext? _playback = hub is null ? null : new RtspPlaybackContext(hub, outputs,
        new RtspPlaybackSettings(options.Value.RtspReadKeys, options.Value.RtspStreamWaitTimeout, options.Value.RtspIdleTimeout,
            options.Value.RtspSendTimeout, ReaderFrames: 0), new LogThrottle(time));

    protected override bool Enabled => _options.RtspEnabled;

    protected override IPEndPoint BindEndPoint => new(IPAddress.Parse(_options.RtspAddress), _options.RtspPort);

    protected override int MaxConnections => _options.RtspMaxConnections;

    protected override int MaxConnectionsPerAddress => _options.RtspMaxConnectionsPerAddress;

    protected override string Protocol => "RTSP";

    protected override string StackTag => "RTSP";

    protected override void LogListening(IPEndPoint endPoint) => IngestLog.RtspListening(Logger, endPoint);

    protected override void LogRefused(EndPoint? remote, string reason) => IngestLog.RtspConnectionRefused(Logger, remote, reason);

    protected override Task RunConnectionAsync(Socket socket, ConnectionSlot slot, Connection connection, CancellationToken cancellationToken) =>
        new RtspIngestConnection(socket, Publishers, Time, RtspLimits.Default, _options.RtspIdleTimeout, Logger, slot, connection, _playback).RunAsync(cancellationToken);
}
