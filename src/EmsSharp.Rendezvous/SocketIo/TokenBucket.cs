namespace EmsSharp.Rendezvous.SocketIo;

/// <summary>
/// A token bucket that never refuses: <see cref="Reserve"/> takes tokens (one per event, or one per byte)
/// and says how long the caller must wait for them, so excess traffic is slowed down, not locked out.
/// Not thread-safe.
/// </summary>
internal sealed class TokenBucket(double ratePerSecond, double burst, TimeSpan now)
{
    private readonly double _burst = burst;
    private double _tokens = burst;
    private TimeSpan _last = now;

    /// <summary>Takes <paramref name="amount"/> tokens at <paramref name="now"/>; returns the wait before they are really available.</summary>
    public TimeSpan Reserve(TimeSpan now, double amount = 1)
    {
        Refill(now);
        _tokens -= amount;
        return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / ratePerSecond);
    }

    /// <summary>Gives back a token taken by <see cref="Reserve"/> whose work was refused.</summary>
    public void Return() => _tokens = Math.Min(_burst, _tokens + 1);

    /// <summary>True when the bucket is full again: it can be forgotten.</summary>
    public bool IsFull(TimeSpan now)
    {
        Refill(now);
        return _tokens >= _burst;
    }

    private void Refill(TimeSpan now)
    {
        if (now > _last)
        {
            _tokens = Math.Min(_burst, _tokens + ((now - _last).TotalSeconds * ratePerSecond));
            _last = now;
        }
    }
}
