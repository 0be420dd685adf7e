using System.Net;
using System.Net.Sockets;
using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtmp;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// Accepts RTMP publishers (<c>rtmp://host/&lt;app&gt;/&lt;stream name&gt;</c>, any app) and publishes them into the
/// <see cref="StreamHub"/>. Binds in <see cref="StartAsync"/>, so <see cref="LocalEndPoint"/> is known (port 0
/// included) once the host has started.
/// </summary>
internal sealed class RtmpServer : BackgroundService
{
    private readonly IngestOptions _options;
    private readonly StreamHub _hub;
    private readonly TimeProvider _time;
    private readonly ILogger<RtmpServer> _logger;
    private readonly RtmpLimits _limits;
    private readonly HashSet<Task> _connections = [];
    private Socket? _listener;

    public RtmpServer(IOptions<IngestOptions> options, StreamHub hub, TimeProvider time, ILogger<RtmpServer> logger)
    {
        _options = options.Value;
        _hub = hub;
        _time = time;
        _logger = logger;
        _limits = new RtmpLimits { MaxMessageLength = _options.RtmpMaxMessageLength };
    }

    /// <summary>The bound end point, once started (null when RTMP is disabled).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.RtmpEnabled)
        {
            return Task.CompletedTask;
        }

        var address = IPAddress.Parse(_options.RtmpAddress);
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(address, _options.RtmpPort));
            listener.Listen(128);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        IngestLog.RtmpListening(_logger, LocalEndPoint);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _listener?.Dispose();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _listener?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listener = _listener!;
        while (!stoppingToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            lock (_connections)
            {
                if (_connections.Count >= _options.RtmpMaxConnections)
                {
                    IngestLog.RtmpTooManyConnections(_logger, socket.RemoteEndPoint, _options.RtmpMaxConnections);
                    socket.Dispose();
                    continue;
                }

                socket.NoDelay = true;
                var connection = new RtmpIngestConnection(socket, _hub, _time, _limits, _options.RtmpIdleTimeout, _logger);
                var task = connection.RunAsync(stoppingToken);
                _connections.Add(task);
                _ = task.ContinueWith(
                    static (t, state) =>
                    {
                        var set = (HashSet<Task>)state!;
                        lock (set)
                        {
                            set.Remove(t);
                        }
                    },
                    _connections,
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
    }
}
