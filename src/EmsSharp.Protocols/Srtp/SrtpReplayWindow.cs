namespace EmsSharp.Protocols.Srtp;

/// <summary>
/// Sliding replay window over packet indices (RFC 3711 §3.3.2): the highest authenticated index
/// and a 64-bit mask of the ones just below it.
/// </summary>
internal struct SrtpReplayWindow
{
    /// <summary>Window size in packets.</summary>
    public const int Size = 64;

    private ulong _mask;

    public bool IsInitialized { get; private set; }

    public long Highest { get; private set; }

    /// <summary>True if <paramref name="index"/> was already accepted or is older than the window.</summary>
    public readonly bool IsReplay(long index)
    {
        if (!IsInitialized || index > Highest)
        {
            return false;
        }
        long age = Highest - index;
        return age >= Size || (_mask & (1UL << (int)age)) != 0;
    }

    /// <summary>Records an authenticated index (RFC 3711 §3.3.2: update only after authentication).</summary>
    public void Accept(long index)
    {
        if (!IsInitialized)
        {
            IsInitialized = true;
            Highest = index;
            _mask = 1;
            return;
        }
        if (index > Highest)
        {
            long shift = index - Highest;
            _mask = shift >= Size ? 1 : (_mask << (int)shift) | 1;
            Highest = index;
        }
        else
        {
            _mask |= 1UL << (int)(Highest - index);
        }
    }
}
