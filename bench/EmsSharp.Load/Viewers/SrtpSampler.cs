namespace EmsSharp.Load.Viewers;

/// <summary>
/// Which of a viewer's SRTP packets are authenticated and decrypted: every one until the viewer has its first keyframe
/// (the IDR is in the encrypted payload), then one in <see cref="Every"/> (1 = all). Sequence accounting, NACK and the
/// abs-send-time transit read the clear RTP header (RFC 3711 §3.1 encrypts the payload only) of every packet.
/// </summary>
internal struct SrtpSampler
{
    /// <summary>The default of <c>--srtp-check-every</c>.</summary>
    public const int DefaultEvery = 16;

    /// <summary>The largest ratio: the SRTP index estimate (RFC 3711 §3.3.1) stays sound far beyond it.</summary>
    public const int MaxEvery = 1024;

    private int _countdown;

    public SrtpSampler(int every)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(every, MaxEvery);
        Every = every;
    }

    public int Every { get; }

    /// <summary>Whether to check the next packet; <paramref name="all"/> (no keyframe yet) checks it without counting it.</summary>
    public bool Next(bool all)
    {
        if (all || Every <= 1)
        {
            return true;
        }

        if (--_countdown > 0)
        {
            return false;
        }

        _countdown = Every;
        return true;
    }
}
