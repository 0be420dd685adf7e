using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using EmsSharp.Protocols.Ice;
using Microsoft.Extensions.Logging;

namespace EmsSharp.WebRtc;

/// <summary>
/// ICE-TCP (RFC 6544): one listening TCP port beside the UDP one, offered by every session as passive host
/// candidates, so a browser whose UDP is blocked reaches a public server without a relay. A connection belongs to the
/// session its first check names (USERNAME, RFC 8445 §7.2.2) and becomes a base of that session.
/// </summary>
public sealed partial class UdpPortDriver
{
    private static readonly TimeSpan TcpFirstFrameTimeout = TimeSpan.FromSeconds(10);

    // Consent checks (RFC 7675) pass every 5 s on a live session; a connection silent for 30 s is dead.
    private static readonly TimeSpan TcpIdleTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<IceTcpConnection, byte> _tcpConnections = new();
    private readonly ConcurrentDictionary<IPAddress, int> _tcpPerAddress = new();
    private Socket? _tcpListener;
    private Task _acceptLoop = Task.CompletedTask;
    private int _maxTcpPerAddress;
    private int _maxTcpConnections;

    /// <summary>The bound ICE-TCP endpoint, or null when ICE-TCP is off.</summary>
    public IPEndPoint? TcpEndPoint { get; private set; }

    private void StartTcp(UdpPortDriverOptions options)
    {
        if (options.TcpPort is not { } port)
        {
            return;
        }

        _maxTcpPerAddress = options.MaxTcpConnectionsPerAddress;
        _maxTcpConnections = options.MaxTcpConnections;
        _tcpListener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _tcpListener.Bind(new IPEndPoint(options.BindAddress, port));
        _tcpListener.Listen(128);
        TcpEndPoint = (IPEndPoint)_tcpListener.LocalEndPoint!;
        var udp = _hostCandidates.Count;
        for (var i = 0; i < udp; i++)
        {
            var host = _hostCandidates[i];
            _hostCandidates.Add(new IceCandidate("t" + i, 1, TcpPassivePriority(i), host.Address, TcpEndPoint.Port,
                IceCandidateType.Host, TcpType: "passive"));
        }

        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    // RFC 6544 §4.2: local preference = 2^13 × direction preference (passive 4 on a host that is not NATed) + other
    // preference; below every UDP host candidate's 65535 - i, so UDP wins where it works.
    private static uint TcpPassivePriority(int index) =>
        IceCandidate.ComputePriority(IceCandidateType.Host, (4 << 13) + 8191 - index, 1);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _tcpListener!.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                LogTcpAcceptFailed(_logger, e.SocketErrorCode);
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }

            var address = ((IPEndPoint)socket.RemoteEndPoint!).Address;
            var refused = _tcpConnections.Count >= _maxTcpConnections;
            if (!refused && _tcpPerAddress.AddOrUpdate(address, 1, static (_, n) => n + 1) > _maxTcpPerAddress)
            {
                Release(address);
                refused = true;
            }

            if (refused)
            {
                LogTcpRefused(_logger, address);
                socket.Dispose();
                continue;
            }

            socket.NoDelay = true;
            var connection = new IceTcpConnection(socket);
            _tcpConnections[connection] = 0;
            _ = ServeAsync(connection);
        }
    }

    private async Task ServeAsync(IceTcpConnection connection)
    {
        await connection.ReadAsync(OnTcpFrame, TcpFirstFrameTimeout, TcpIdleTimeout, _time, _stop.Token).ConfigureAwait(false);
        await CloseTcpAsync(connection).ConfigureAwait(false);
    }

    private bool OnTcpFrame(IceTcpConnection connection, ReadOnlyMemory<byte> frame)
    {
        if (connection.Session is { } session)
        {
            session.DeliverDatagram(frame.Span, connection.Remote, connection.Base);
            return true;
        }

        // The first frame must be a check naming a live session (RFC 6544 §5, RFC 8445 §7.2.2); anything else closes.
        if (PacketDemux.Classify(frame.Span) != PacketKind.Stun || !IceAgent.TryGetRequestUfrag(frame.Span, out var ufrag) ||
            !_byUfrag.TryGetValue(ufrag, out var target))
        {
            return false;
        }

        var index = _hostCandidates.FindIndex(c => c.IsTcp && c.Address == connection.Local.Address.ToString());
        connection.Session = target;
        connection.Base = target.AddPath(connection, null, TcpPassivePriority(Math.Max(index, 0)), pairsWithSignalled: false);
        target.DeliverDatagram(frame.Span, connection.Remote, connection.Base);
        LogTcpJoined(_logger, connection.Remote, ufrag);
        return true;
    }

    private async Task CloseTcpAsync(IceTcpConnection connection)
    {
        if (!_tcpConnections.TryRemove(connection, out _))
        {
            return;
        }

        Release(connection.Remote.Address);
        connection.Session?.RemovePath(connection.Base);
        await connection.CloseAsync().ConfigureAwait(false);
    }

    private void Release(IPAddress address)
    {
        if (_tcpPerAddress.AddOrUpdate(address, 0, static (_, n) => n - 1) <= 0)
        {
            _tcpPerAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, 0));
        }
    }

    /// <summary>Closes a detached session's ICE-TCP connections.</summary>
    private void DetachTcp(PeerSession session)
    {
        foreach (var connection in _tcpConnections.Keys)
        {
            if (ReferenceEquals(connection.Session, session))
            {
                _ = CloseTcpAsync(connection);
            }
        }
    }

    private async Task StopTcpAsync()
    {
        _tcpListener?.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        foreach (var connection in _tcpConnections.Keys)
        {
            await CloseTcpAsync(connection).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "ICE-TCP connection from {Remote} joined session {Ufrag}")]
    private static partial void LogTcpJoined(ILogger logger, IPEndPoint remote, string ufrag);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ICE-TCP connection from {Address} refused: too many connections")]
    private static partial void LogTcpRefused(ILogger logger, IPAddress address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ICE-TCP accept failed: {Error}")]
    private static partial void LogTcpAcceptFailed(ILogger logger, SocketError error);
}
