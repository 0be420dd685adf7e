namespace EmsSharp.Load.Viewers;

/// <summary>
/// Receive accounting of one SSRC: extended sequence numbers (RFC 3550 §A.1), a window of which recent packets
/// arrived, duplicates, and the missing ones to ask again for with generic NACK (RFC 4585 §6.2.1). A retransmitted
/// packet fills its gap, so only gaps still open at the end count as lost (RFC 3550 §6.4.1: expected − received).
/// Sans-IO: time is an input. No allocation per packet.
/// </summary>
internal sealed class RtpSequenceTracker
{
    /// <summary>Packets remembered behind the highest one; older arrivals count as duplicates (they cannot be told apart).</summary>
    public const int WindowSize = 2048;

    /// <summary>How far back a gap is still asked for: older ones are left lost.</summary>
    public const int NackHorizon = 512;

    /// <summary>How many times one missing packet is asked for.</summary>
    public const int MaxNacksPerPacket = 3;

    /// <summary>RFC 3550 §A.1 MAX_DROPOUT: a larger jump forward is a sender restart, not a gap.</summary>
    private const int MaxDropout = 3000;

    private static readonly TimeSpan NackRetryInterval = TimeSpan.FromMilliseconds(100);

    private readonly ulong[] _arrived = new ulong[WindowSize / 64];
    private readonly byte[] _nacks = new byte[WindowSize];
    private long _first = -1;
    private long _highest = -1;
    private long _unique;
    private bool _gapOpened;
    private bool _hasMissing;
    private TimeSpan _lastNackScan;

    public RtpSequenceTracker(uint ssrc) => Ssrc = ssrc;

    public uint Ssrc { get; }

    /// <summary>Packets that arrived, duplicates included.</summary>
    public long Received { get; private set; }

    /// <summary>Packets that arrived twice (a retransmission answering a repeated NACK, or a network duplicate).</summary>
    public long Duplicates { get; private set; }

    /// <summary>Packets that arrived so late that they fell behind the window (or before the first one).</summary>
    public long TooLate { get; private set; }

    /// <summary>NACKs for a sequence number already asked for (its retransmission had not arrived in time).</summary>
    public long RepeatedNacks { get; private set; }

    /// <summary>Sequence numbers counted as expected, first to highest.</summary>
    public long Expected => _highest < 0 ? 0 : _highest - _first + 1;

    /// <summary>Expected packets that never arrived (RFC 3550 §6.4.1), retransmissions counted as arrived.</summary>
    public long Lost => Math.Max(0, Expected - _unique);

    /// <summary>Extended highest sequence number received (RFC 3550 §6.4.1), 0 before any packet.</summary>
    public uint ExtendedHighest => _highest < 0 ? 0 : (uint)_highest;

    /// <summary>Records one packet; false when it was a duplicate.</summary>
    public bool Add(ushort sequenceNumber)
    {
        Received++;
        if (_highest < 0)
        {
            _first = _highest = sequenceNumber;
            Mark(sequenceNumber);
            _unique++;
            return true;
        }

        // RFC 3550 §A.1: the 16-bit delta from the highest decides wrap, reorder or jump.
        int delta = (short)(sequenceNumber - (ushort)_highest);
        long extended = _highest + delta;
        if (delta > 0)
        {
            if (delta > MaxDropout)
            {
                // A restart: the jump is not a gap; expected continues from here.
                _first += delta - 1;
                Array.Clear(_arrived);
            }
            else
            {
                for (long s = _highest + 1; s < extended; s++)
                {
                    Clear(s);
                    _gapOpened = true;
                    _hasMissing = true;
                }
            }

            _highest = extended;
            Mark(extended);
            _unique++;
            return true;
        }

        if (extended < _first || _highest - extended >= WindowSize)
        {
            TooLate++;
            return false;
        }

        if (IsMarked(extended))
        {
            Duplicates++;
            return false;
        }

        // A reordered or retransmitted packet fills its gap.
        Mark(extended);
        _unique++;
        return true;
    }

    /// <summary>
    /// The missing packets to NACK now: a new gap at once, the ones already asked for again every
    /// <see cref="NackRetryInterval"/> while missing; each at most <see cref="MaxNacksPerPacket"/> times, within
    /// <see cref="NackHorizon"/>.
    /// </summary>
    /// <returns>How many sequence numbers were written to <paramref name="destination"/>.</returns>
    public int CollectNacks(TimeSpan now, Span<ushort> destination)
    {
        bool retry = now - _lastNackScan >= NackRetryInterval;
        if (!_hasMissing || (!_gapOpened && !retry))
        {
            return 0;
        }

        // A new gap is asked for at once; packets already asked for wait for the retry interval (their answer may
        // be on its way), so that new gaps do not use up their tries.
        _gapOpened = false;
        if (retry)
        {
            _lastNackScan = now;
        }

        bool stillMissing = false;
        int count = 0;
        long from = Math.Max(_first, _highest - NackHorizon + 1);
        for (long s = from; s < _highest && count < destination.Length; s++)
        {
            if (IsMarked(s))
            {
                continue;
            }

            int slot = (int)(s % WindowSize);
            if (_nacks[slot] >= MaxNacksPerPacket)
            {
                continue;
            }

            stillMissing = true;
            if (retry || _nacks[slot] == 0)
            {
                RepeatedNacks += _nacks[slot] > 0 ? 1 : 0;
                _nacks[slot]++;
                destination[count++] = (ushort)s;
            }
        }

        _hasMissing = stillMissing;
        return count;
    }

    private void Mark(long extended) => _arrived[(extended % WindowSize) >> 6] |= 1UL << (int)(extended & 63);

    private void Clear(long extended)
    {
        _arrived[(extended % WindowSize) >> 6] &= ~(1UL << (int)(extended & 63));
        _nacks[extended % WindowSize] = 0;
    }

    private bool IsMarked(long extended) => (_arrived[(extended % WindowSize) >> 6] & (1UL << (int)(extended & 63))) != 0;
}
