using System.Runtime.CompilerServices;

namespace EmsSharp.Protocols.Srtp;

/// <summary>
/// Sliding replay window over packet indices (RFC 3711 §3.3.2): the highest authenticated index and a bitmap of
/// the <see cref="Size"/> indices up to it, kept as a ring (bit <c>index mod Size</c>). RFC 3711 asks for at least
/// 64; a NACKed retransmission of a packet early in a large keyframe arrives hundreds of packets later, so the
/// window is 1,024 packets wide.
/// </summary>
internal struct SrtpReplayWindow
{
    /// <summary>Window size in packets (a multiple of 64).</summary>
    public const int Size = 1024;

    private Bits _bits;

    public bool IsInitialized { get; private set; }

    public long Highest { get; private set; }

    /// <summary>True if <paramref name="index"/> was already accepted or is older than the window.</summary>
    public readonly bool IsReplay(long index)
    {
        if (!IsInitialized || index > Highest)
        {
            return false;
        }

        return Highest - index >= Size || Get(index);
    }

    /// <summary>True if <paramref name="index"/> is older than the window (it cannot be told from a replay).</summary>
    public readonly bool IsBehind(long index) => IsInitialized && Highest - index >= Size;

    /// <summary>Records an authenticated index (RFC 3711 §3.3.2: update only after authentication).</summary>
    public void Accept(long index)
    {
        if (!IsInitialized)
        {
            IsInitialized = true;
            Highest = index;
            Set(index);
            return;
        }

        if (index > Highest)
        {
            // The window slides: the slots of the indices it passes over start empty.
            if (index - Highest >= Size)
            {
                ((Span<ulong>)_bits).Clear();
            }
            else
            {
                for (var skipped = Highest + 1; skipped < index; skipped++)
                {
                    Clear(skipped);
                }
            }

            Highest = index;
        }

        Set(index);
    }

    private readonly bool Get(long index)
    {
        var slot = (int)(index & (Size - 1));
        return (_bits[slot >> 6] & (1UL << (slot & 63))) != 0;
    }

    private void Set(long index)
    {
        var slot = (int)(index & (Size - 1));
        _bits[slot >> 6] |= 1UL << (slot & 63);
    }

    private void Clear(long index)
    {
        var slot = (int)(index & (Size - 1));
        _bits[slot >> 6] &= ~(1UL << (slot & 63));
    }

    [InlineArray(Size / 64)]
    private struct Bits
    {
        private ulong _element;
    }
}
