using System.Net;
using System.Net.Sockets;
using EmsSharp.Protocols.Net;
using EmsSharp.Server.Connections;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// The accept loop shared by the ingest servers (RTMP, RTSP): binds in <see cref="StartAsync"/> (so
/// <see cref="LocalEndPoint"/> is known once the host has started, port 0 included), caps concurrent
/// connections in all and per remote address (so one host's idle or half-open connections cannot lock others out),
/// survives transient accept errors, and waits for every connection at stop. A full listener admits a new connection
/// by closing the oldest one that is not publishing (<see cref="ConnectionSlots"/>): hosts spread over many addresses
/// cannot lock publishers out with connections that do nothing either. A connection proves itself, and is never
/// closed so, by calling <see cref="ConnectionSlot.MarkProven"/> when it starts publishing.
/// </summary>
internal abstract class TcpIngestListener(TimeProvider time, PublishAuthorizer publishers, ILogger logger, ConnectionRegistry? connections)
    : BackgroundService
{
    private readonly ConnectionRegistry _registry = connections ?? new ConnectionRegistry(time);
    private readonly HashSet<Task> _connections = [];
    private ConnectionSlots? _slots;
    private Socket? _listener;

    /// <summary>The bound end point, once started (null when disabled).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>The clock of the connections and of the eviction log's throttle.</summary>
    protected TimeProvider Time { get; } = time;

    protected abstract bool Enabled { get; }

    protected abstract IPEndPoint BindEndPoint { get; }

    protected abstract int MaxConnections { get; }

    protected abstract int MaxConnectionsPerAddress { get; }

    /// <summary>The protocol's name in shared log lines (<c>RTMP</c>, <c>RTSP</c>).</summary>
    protected abstract string Protocol { get; }

    /// <summary>The protocol's layer in <c>listConnections</c> (EvoStream's tag: <c>IR</c>, <c>RTSP</c>).</summary>
    protected abstract string StackTag { get; }

    /// <summary>Who may publish (the connections decide with it; the listener warns at start when anyone may).</summary>
    protected PublishAuthorizer Publishers { get; } = publishers;

    protected ILogger Logger { get; } = logger;

    protected abstract void LogListening(IPEndPoint endPoint);

    protected abstract void LogRefused(EndPoint? remote, string reason);

    /// <summary>
    /// Runs one accepted connection to its end (it owns the socket); <paramref name="cancellationToken"/> is cancelled
    /// when the server stops or the connection is evicted. <paramref name="connection"/> is its entry in the connection list
    /// (bytes to count, streams to attach); the listener removes it when this returns.
    /// </summary>
    protected abstract Task RunConnectionAsync(Socket socket, ConnectionSlot slot, Connection connection, CancellationToken cancellationToken);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return Task.CompletedTask;
        }

        var endPoint = BindEndPoint;
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(endPoint);
            listener.Listen(128);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        // Connections that were not publishing, closed for new ones: reported at most once per 10 s.
        _slots = new ConnectionSlots(MaxConnections, MaxConnectionsPerAddress, Time,
            (address, evicted) => IngestLog.ConnectionEvicted(Logger, Protocol, MaxConnections, address, evicted));
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        LogListening(LocalEndPoint);
        if (Publishers.IsOpen)
        {
            IngestLog.PublishingOpen(Logger, Protocol, LocalEndPoint);
        }

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
        GC.SuppressFinalize(this);
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
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // Out of descriptors, a connection reset before it was accepted...: the listener goes on.
                IngestLog.AcceptFailed(Logger, Protocol, e.SocketErrorCode);
                continue;
            }

            var address = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
            if (!_slots!.TryTake(address, out var slot, out var cap))
            {
                LogRefused(socket.RemoteEndPoint, cap == AddressSlotRefusal.Address
                    ? $"{MaxConnectionsPerAddress} connections from this address already"
                    : $"{MaxConnections} connections already, all publishing");
                socket.Dispose();
                continue;
            }

            socket.NoDelay = true;
            var task = ServeAsync(socket, slot, stoppingToken);
            lock (_connections)
            {
                _connections.Add(task);
            }

            _ = task.ContinueWith(
                t =>
                {
                    lock (_connections)
                    {
                        _connections.Remove(t);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket socket, ConnectionSlot slot, CancellationToken stoppingToken)
    {
        using (slot)
        {
            using var connection = _registry.Open(ConnectionSpec.ForSocket(
                ConnectionCarrier.Tcp, socket.LocalEndPoint as IPEndPoint, socket.RemoteEndPoint as IPEndPoint, true, "TCP", StackTag));
            using var closing = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, slot.Evicted);
            await RunConnectionAsync(socket, slot, connection, closing.Token).ConfigureAwait(false);
        }
    }
}
