namespace EmsSharp.Protocols.Rtcp;

/// <summary>64-bit NTP timestamps (RFC 3550 §4): seconds since 1900-01-01 UTC in 32.32 fixed point.</summary>
public static class NtpTimestamp
{
    private static readonly DateTimeOffset Epoch = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The NTP timestamp of a wall-clock instant.</summary>
    public static ulong FromDateTimeOffset(DateTimeOffset time)
    {
        long ticks = (time - Epoch).Ticks;
        ulong seconds = (ulong)(ticks / TimeSpan.TicksPerSecond);
        ulong fraction = (ulong)(ticks % TimeSpan.TicksPerSecond) * (1UL << 32) / TimeSpan.TicksPerSecond;
        return (seconds << 32) | fraction;
    }

    /// <summary>The wall-clock instant of an NTP timestamp (era 0).</summary>
    public static DateTimeOffset ToDateTimeOffset(ulong ntp)
    {
        long seconds = (long)(ntp >> 32);
        long fractionTicks = (long)((ntp & 0xFFFF_FFFF) * TimeSpan.TicksPerSecond >> 32);
        return Epoch.AddTicks((seconds * TimeSpan.TicksPerSecond) + fractionTicks);
    }

    /// <summary>The middle 32 bits, as echoed in LSR (RFC 3550 §6.4.1).</summary>
    public static uint ToCompact(ulong ntp) => (uint)(ntp >> 16);
}
