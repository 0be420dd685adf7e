using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using EmsSharp.Protocols.Net;
using EmsSharp.Protocols.Turn;
using EmsSharp.Rendezvous.Configuration;

namespace EmsSharp.Rendezvous.Turn;

/// <summary>Accepts TURN clients over TCP or TLS, with a cap on connections per client IP.</summary>
internal sealed class TurnStreamListener : IDisposable
{
    private readonly TurnHost _host;
    private readonly TurnTransport _transport;
    private readonly Socket _listener;
    private readonly X509Certificate2? _certificate;
    private readonly ErsTurnOptions _options;
    private readonly TimeProvider _time;
    private readonly AddressSlots _perIp;

    private TurnStreamListener(TurnHost host, TurnTransport transport, Socket listener, X509Certificate2? certificate,
        ErsTurnOptions options, TimeProvider time)
    {
        _host = host;
        _transport = transport;
        _listener = listener;
        _certificate = certificate;
        _options = options;
        _time = time;
        _perIp = new AddressSlots(options.MaxConnectionsPerIp);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public static TurnStreamListener Bind(TurnHost host, TurnTransport transport, IPEndPoint endPoint, X509Certificate2? certificate,
        ErsTurnOptions options, TimeProvider time)
    {
        Socket listener = new(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(endPoint);
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        return new TurnStreamListener(host, transport, listener, certificate, options, time);
    }

    public async Task AcceptLoopAsync(CancellationToken token)
    {
        List<Task> connections = [];
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }

            IPEndPoint remote = TurnHost.Unmapped((IPEndPoint)socket.RemoteEndPoint!);
            if (!_perIp.TryTake(remote.Address, out _))
            {
                socket.Dispose();
                continue;
            }

            TurnFiveTuple tuple = new(_transport, remote, TurnHost.Unmapped((IPEndPoint)socket.LocalEndPoint!));
            TurnStreamConnection connection = new(_host, tuple, socket, _certificate, TimeSpan.FromSeconds(_options.IdleTimeoutSeconds), _time);
            connections.RemoveAll(t => t.IsCompleted);
            connections.Add(RunAsync(connection, remote.Address, token));
        }

        await Task.WhenAll(connections).ConfigureAwait(false);
    }

    public void Dispose() => _listener.Dispose();

    private async Task RunAsync(TurnStreamConnection connection, IPAddress ip, CancellationToken token)
    {
        try
        {
            await connection.RunAsync(token).ConfigureAwait(false);
        }
        finally
        {
            _perIp.Release(ip);
        }
    }
}
