namespace EmsSharp.Protocols.Rtp;

/// <summary>Conversions between media time and RTP timestamps (RFC 3550 §5.1: the clock wraps at 2^32).</summary>
public static class RtpClock
{
    /// <summary>Video clock rate for H.264 (RFC 6184 §8.2.1).</summary>
    public const int VideoClockRate = 90000;

    /// <summary>
    /// The RTP timestamp of media time <paramref name="time"/> at <paramref name="clockRate"/> Hz,
    /// modulo 2^32. Exact for whole ticks of the clock; truncates otherwise.
    /// </summary>
    public static uint ToTimestamp(TimeSpan time, int clockRate)
    {
        long seconds = Math.DivRem(time.Ticks, TimeSpan.TicksPerSecond, out long remainder);
        return unchecked((uint)((seconds * clockRate) + (remainder * clockRate / TimeSpan.TicksPerSecond)));
    }
}
