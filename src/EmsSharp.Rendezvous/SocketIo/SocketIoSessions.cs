using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using EmsSharp.Protocols.Net;
using EmsSharp.Rendezvous.Configuration;

namespace EmsSharp.Rendezvous.SocketIo;

/// <summary>
/// Handshaken sessions waiting for their websocket, per-IP socket counts (handshakes admitted, pending and open
/// sockets) and handshake rate buckets.
/// A session that never opens its websocket is dropped after
/// <see cref="ErsLimitsOptions.PendingHandshakeSeconds"/>, so tight reconnect loops cost little.
/// </summary>
internal sealed class SocketIoSessions : IDisposable
{
    private readonly ErsLimitsOptions _limits;
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly ConcurrentDictionary<string, (IPAddress Ip, TimeSpan Created, bool Shared)> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _released = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly AddressSlots _socketsPerIp;
    private readonly Dictionary<IPAddress, TokenBucket> _handshakeBuckets = [];
    private readonly ITimer _sweeper;

    public SocketIoSessions(ErsLimitsOptions limits, TimeProvider time)
    {
        _limits = limits;
        _time = time;
        _origin = time.GetTimestamp();
        _socketsPerIp = new AddressSlots(limits.MaxSocketsPerIp);
        _sweeper = time.CreateTimer(_ => Sweep(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public TimeSpan Now => _time.GetElapsedTime(_origin);

    public int PendingCount => _pending.Count;

    /// <summary>Sockets open now (handshaken and connected).</summary>
    public int OpenCount => _open.Count;

    /// <summary>
    /// Admits a handshake from <paramref name="ip"/>: returns false (refuse with 503) when the IP has too
    /// many sockets or would wait longer than allowed; otherwise the handshake counts against the IP from now on
    /// (<see cref="Create"/> it, or <see cref="Abandon"/> it) and <paramref name="delay"/> is how long to
    /// hold the reply (rate limiting slows, it never locks out).
    /// </summary>
    public bool TryAdmit(IPAddress ip, out TimeSpan delay)
    {
        delay = TimeSpan.Zero;
        if (!_socketsPerIp.TryTake(ip, out _))
        {
            return false;
        }

        lock (_lock)
        {
            if (!_handshakeBuckets.TryGetValue(ip, out TokenBucket? bucket))
            {
                bucket = new TokenBucket(_limits.HandshakesPerSecondPerIp, _limits.HandshakeBurst, Now);
                _handshakeBuckets[ip] = bucket;
            }

            delay = bucket.Reserve(Now);
            if (delay.TotalSeconds > _limits.MaxHandshakeDelaySeconds)
            {
                bucket.Return();
                _socketsPerIp.Release(ip);
                return false;
            }

            return true;
        }
    }

    /// <summary>
    /// <see cref="TryAdmit"/>, then holds the caller for its delay; false when refused. A caller cancelled while held (the
    /// client left) gets the cancellation, and its admission is given back.
    /// </summary>
    public async Task<bool> AdmitAsync(IPAddress ip, CancellationToken cancellationToken)
    {
        if (!TryAdmit(ip, out TimeSpan delay))
        {
            return false;
        }

        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Abandon(ip);
                throw;
            }
        }

        return true;
    }

    /// <summary>Creates a pending session for an admitted handshake.</summary>
    public string Create(IPAddress ip)
    {
        string sid = Convert.ToHexString(RandomNumberGenerator.GetBytes(10));
        _pending[sid] = (ip, Now, false);
        return sid;
    }

    /// <summary>An admitted handshake ended before its session was created (the client left during the delay).</summary>
    public void Abandon(IPAddress ip) => _socketsPerIp.Release(ip);

    /// <summary>The cluster holds <paramref name="sid"/> too (any node may claim it there): a claim here must win it there.</summary>
    public void MarkShared(string sid)
    {
        if (_pending.TryGetValue(sid, out var entry))
        {
            _pending.TryUpdate(sid, entry with { Shared = true }, entry);
        }
    }

    /// <summary>Claims a pending session for its websocket; each session id opens at most one socket.</summary>
    public bool TryClaim(string sid, out IPAddress ip) => TryClaim(sid, out ip, out _);

    /// <summary>
    /// <see cref="TryClaim(string, out IPAddress)"/>; <paramref name="shared"/> says the cluster holds it too
    /// (<see cref="MarkShared"/>).
    /// </summary>
    public bool TryClaim(string sid, out IPAddress ip, out bool shared)
    {
        if (_pending.TryRemove(sid, out var entry))
        {
            ip = entry.Ip;
            shared = entry.Shared;
            _open[sid] = 0;
            return true;
        }

        ip = IPAddress.None;
        shared = false;
        return false;
    }

    /// <summary>
    /// Opens a session another node of the cluster handshook (its websocket came here); false when
    /// <paramref name="ip"/> already holds as many sockets here as it may.
    /// </summary>
    public bool TryAdopt(string sid, IPAddress ip)
    {
        if (!_socketsPerIp.TryTake(ip, out _))
        {
            return false;
        }

        _open[sid] = 0;
        return true;
    }

    /// <summary>True while <paramref name="sid"/>'s socket is open (TURN credentials minted for it are bound to it).</summary>
    public bool IsOpen(string sid) => _open.ContainsKey(sid);

    /// <summary>Completes once <paramref name="sid"/>'s socket is closed (at once when it is not open).</summary>
    public Task WhenReleased(string sid)
    {
        TaskCompletionSource released = _released.GetOrAdd(sid, static _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!IsOpen(sid))
        {
            released.TrySetResult(); // closed before (or while) we asked
            _released.TryRemove(sid, out _);
        }

        return released.Task;
    }

    /// <summary>A claimed session's socket closed.</summary>
    public void Release(string sid, IPAddress ip)
    {
        _open.TryRemove(sid, out _);
        if (_released.TryRemove(sid, out TaskCompletionSource? released))
        {
            released.TrySetResult();
        }

        _socketsPerIp.Release(ip);
    }

    public void Dispose() => _sweeper.Dispose();

    internal void Sweep()
    {
        TimeSpan now = Now;
        TimeSpan limit = TimeSpan.FromSeconds(_limits.PendingHandshakeSeconds);
        foreach (var (sid, entry) in _pending)
        {
            if (now - entry.Created >= limit && _pending.TryRemove(sid, out _))
            {
                Release(sid, entry.Ip);
            }
        }

        lock (_lock)
        {
            foreach (var (ip, bucket) in _handshakeBuckets)
            {
                if (bucket.IsFull(now))
                {
                    _handshakeBuckets.Remove(ip);
                }
            }
        }
    }
}
