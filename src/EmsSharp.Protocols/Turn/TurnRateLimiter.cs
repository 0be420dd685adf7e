namespace EmsSharp.Protocols.Turn;

/// <summary>
/// Two token buckets (bytes and packets) bounding what one allocation relays; a packet that would
/// overdraw either is dropped, so a flood through a relay is bounded.
/// </summary>
internal sealed class TurnRateLimiter(TurnServerOptions options, TimeSpan now)
{
    private double _bytes = options.RelayBurstBytes;
    private double _packets = options.RelayBurstPackets;
    private TimeSpan _last = now;

    public bool TryTake(int bytes, TimeSpan now)
    {
        if (now > _last)
        {
            double seconds = (now - _last).TotalSeconds;
            _bytes = Math.Min(options.RelayBurstBytes, _bytes + (seconds * options.RelayBytesPerSecond));
            _packets = Math.Min(options.RelayBurstPackets, _packets + (seconds * options.RelayPacketsPerSecond));
            _last = now;
        }

        if (_bytes < bytes || _packets < 1)
        {
            return false;
        }

        _bytes -= bytes;
        _packets -= 1;
        return true;
    }
}
