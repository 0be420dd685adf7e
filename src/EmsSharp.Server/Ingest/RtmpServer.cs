using System.Net;
using System.Net.Sockets;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Net;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Server.Connections;
using EmsSharp.Server.Delivery;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// Accepts RTMP publishers (<c>rtmp://host/&lt;app&gt;/&lt;stream name&gt;</c>, any app) and publishes them into the
/// <see cref="StreamHub"/>, and RTMP players of the hub's streams (<c>rtmp://host/&lt;app&gt;/&lt;stream name&gt;</c>, any
/// app), listed among the outputs when <paramref name="outputs"/> is given.
/// </summary>
internal sealed class RtmpServer(
    IOptions<IngestOptions> options, PublishAuthorizer publishers, TimeProvider time, ILogger<RtmpServer> logger,
    ConnectionRegistry? connections = null, OutboundStreamRegistry? outputs = null, StreamAliases? aliases = null)
    : TcpIngestListener(time, publishers, logger, connections)
{
    private readonly IngestOptions _options = options.Value;
    private readonly RtmpPlayServices _play = new(publishers.Hub, options.Value, outputs, aliases);
    private readonly RtmpLimits _limits = new() { MaxMessageLength = options.Value.RtmpMaxMessageLength };

    protected override bool Enabled => _options.RtmpEnabled;

    protected override IPEndPoint BindEndPoint => new(IPAddress.Parse(_options.RtmpAddress), _options.RtmpPort);

    protected override int MaxConnections => _options.RtmpMaxConnections;

    protected override int MaxConnectionsPerAddress => _options.RtmpMaxConnectionsPerAddress;

    protected override string Protocol => "RTMP";

    protected override string StackTag => "IR";

    protected override void LogListening(IPEndPoint endPoint) => IngestLog.RtmpListening(Logger, endPoint);

    protected override void LogRefused(EndPoint? remote, string reason) => IngestLog.RtmpConnectionRefused(Logger, remote, reason);

    protected override Task RunConnectionAsync(Socket socket, ConnectionSlot slot, Connection connection, CancellationToken cancellationToken) =>
        new RtmpIngestConnection(socket, Publishers, Time, _limits, _options.RtmpIdleTimeout, Logger, slot, connection, _play)
            .RunAsync(cancellationToken);
}
