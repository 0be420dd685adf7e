namespace EmsSharp.Protocols.SocketIo;

/// <summary>
/// Sans-IO heartbeat timer of a Socket.IO rev 1 connection. The server sends <c>2::</c> every
/// <c>sendInterval</c> and closes the socket when nothing arrived within <c>closeTimeout</c>; a client
/// passes no send interval and only watches for silence (socket.io-client 0.9 closes when no packet
/// arrived within the handshake's heartbeat timeout).
/// </summary>
public sealed class SocketIoHeartbeat
{
    private readonly TimeSpan? _sendInterval;
    private readonly TimeSpan _closeTimeout;
    private TimeSpan _lastReceived;
    private TimeSpan _nextSend;

    /// <summary>Creates the timer at time <paramref name="now"/>.</summary>
    public SocketIoHeartbeat(TimeSpan? sendInterval, TimeSpan closeTimeout, TimeSpan now)
    {
        if (sendInterval is { } s && s <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(sendInterval));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(closeTimeout, TimeSpan.Zero);
        _sendInterval = sendInterval;
        _closeTimeout = closeTimeout;
        _lastReceived = now;
        _nextSend = sendInterval is { } interval ? now + interval : TimeSpan.MaxValue;
    }

    /// <summary>When <see cref="HandleTimeout"/> must next be called.</summary>
    public TimeSpan NextTimeout
    {
        get
        {
            TimeSpan close = _lastReceived + _closeTimeout;
            return _nextSend < close ? _nextSend : close;
        }
    }

    /// <summary>Any frame arrived: the peer is alive.</summary>
    public void OnReceived(TimeSpan now) => _lastReceived = now;

    /// <summary>Runs the timer.</summary>
    public SocketIoHeartbeatAction HandleTimeout(TimeSpan now)
    {
        if (now >= _lastReceived + _closeTimeout)
        {
            return SocketIoHeartbeatAction.Close;
        }

        if (_sendInterval is { } interval && now >= _nextSend)
        {
            _nextSend = now + interval;
            return SocketIoHeartbeatAction.SendHeartbeat;
        }

        return SocketIoHeartbeatAction.None;
    }
}
