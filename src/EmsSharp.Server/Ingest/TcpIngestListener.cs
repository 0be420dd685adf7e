using System.Net;
using System.Net.Sockets;

namespace EmsSharp.Server.Ingest;

/// <summary>
/// The accept loop shared by the ingest servers (RTMP, RTSP): binds in <see cref="StartAsync"/> (so
/// <see cref="LocalEndPoint"/> is known once the host has started, port 0 included), caps concurrent
/// connections in all and per remote address (so one host's idle or half-open connections cannot lock others out),
/// survives transient accept errors, and waits for every connection at stop.
/// </summary>
internal abstract class TcpIngestListener : BackgroundService
{
    private readonly HashSet<Task> _connections = [];
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private Socket? _listener;

    /// <summary>The bound end point, once started (null when disabled).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    protected abstract bool Enabled { get; }

    protected abstract IPEndPoint BindEndPoint { get; }

    protected abstract int MaxConnections { get; }

    protected abstract int MaxConnectionsPerAddress { get; }

    protected abstract void LogListening(IPEndPoint endPoint);

    protected abstract void LogRefused(EndPoint? remote, string reason);

    protected abstract void LogAcceptFailed(SocketError error);

    /// <summary>Runs one accepted connection to its end (it owns the socket).</summary>
    protected abstract Task RunConnectionAsync(Socket socket, CancellationToken cancellationToken);

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
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        LogListening(LocalEndPoint);
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
                LogAcceptFailed(e.SocketErrorCode);
                continue;
            }

            var address = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
            lock (_connections)
            {
                var fromAddress = _perAddress.GetValueOrDefault(address);
                var refusal = _connections.Count >= MaxConnections ? $"{MaxConnections} connections already"
                    : fromAddress >= MaxConnectionsPerAddress ? $"{MaxConnectionsPerAddress} connections from this address already"
                    : null;
                if (refusal is not null)
                {
                    LogRefused(socket.RemoteEndPoint, refusal);
                    socket.Dispose();
                    continue;
                }

                _perAddress[address] = fromAddress + 1;
                socket.NoDelay = true;
                var task = RunConnectionAsync(socket, stoppingToken);
                _connections.Add(task);
                _ = task.ContinueWith(
                    (t, state) =>
                    {
                        lock (_connections)
                        {
                            _connections.Remove(t);
                            var address = (IPAddress)state!;
                            if (--_perAddress[address] == 0)
                            {
                                _perAddress.Remove(address);
                            }
                        }
                    },
                    address,
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
    }
}
