using System.Buffers;

namespace EmsSharp.Protocols.Rtp;

/// <summary>
/// Receiver-side loss recovery for one RTP source, as a browser does it for video: a reorder window that releases packets
/// in sequence order, generic NACKs (RFC 4585 §6.2.1) for the sequence numbers missing from it, repeated at a round-trip
/// spacing up to <see cref="RtpLossRecoveryOptions.MaxNacksPerPacket"/> times, and, when a packet is given up on (its
/// NACKs unanswered, <see cref="RtpLossRecoveryOptions.MaxWait"/> passed, or the window overrun), a request for a keyframe
/// (the caller sends a PLI, RFC 4585 §6.3.1): the frame it belonged to cannot be completed, nor the frames that follow it.
/// <para>
/// Sans-IO: time comes in as <c>now</c> (monotonic); the caller pushes packets, calls <see cref="HandleTimeout"/> and
/// <see cref="PollNacks"/> as time passes, and drains released packets, NACKs and keyframe requests.
/// Not thread-safe: the session's loop owns it. Held packets live in pooled buffers until released and polled.
/// </para>
/// </summary>
public sealed class RtpLossRecovery : IDisposable
{
    private readonly RtpLossRecoveryOptions _options;
    private readonly Slot[] _slots;
    private readonly int _mask;
    private readonly Queue<(byte[] Buffer, int Length)> _released = new();
    private byte[]? _polled;
    private bool _started;
    private long _next; // extended sequence number of the next packet to release
    private long _highest; // extended sequence number of the newest packet received
    private int _missing; // missing sequence numbers in [_next, _highest]
    private TimeSpan _roundTrip;
    private bool _keyframeWanted;

    public RtpLossRecovery(RtpLossRecoveryOptions? options = null)
    {
        _options = options ?? new RtpLossRecoveryOptions();
        if (_options.MaxPackets < 16 || (_options.MaxPackets & (_options.MaxPackets - 1)) != 0 || _options.MaxPackets > 1 << 15)
            throw new ArgumentOutOfRangeException(nameof(options), "MaxPackets must be a power of two from 16 to 32768");
        _slots = new Slot[_options.MaxPackets];
        _mask = _options.MaxPackets - 1;
        _roundTrip = _options.InitialRoundTrip;
    }

    /// <summary>Sequence numbers NACKed, each time it was (a packet asked for twice counts twice).</summary>
    public long NackedPackets { get; private set; }

    /// <summary>Generic NACK messages the caller was given to send.</summary>
    public long NacksSent { get; private set; }

    /// <summary>Packets that arrived after they were NACKed: retransmissions (or late originals) that filled a gap.</summary>
    public long RecoveredPackets { get; private set; }

    /// <summary>Missing packets given up on: the packets after them were released without them.</summary>
    public long LostPackets { get; private set; }

    /// <summary>Packets already held, or older than the window: a duplicate, or a retransmission after its give-up.</summary>
    public long DiscardedPackets { get; private set; }

    /// <summary>Packets not taken: empty or longer than <see cref="RtpLossRecoveryOptions.MaxPacketLength"/>.</summary>
    public long RejectedPackets { get; private set; }

    /// <summary>The round trip as measured from the NACK of a packet to its arrival (packets NACKed once only), smoothed.</summary>
    public TimeSpan RoundTrip => _roundTrip;

    /// <summary>Packets held: received, waiting for a missing packet before them.</summary>
    public int HeldPackets { get; private set; }

    private TimeSpan NackInterval => _roundTrip > _options.MinNackInterval ? _roundTrip : _options.MinNackInterval;

    /// <summary>
    /// Takes one RTP packet (copied) with its sequence number: held until the packets before it are released or given
    /// up on. A gap it reveals is missing from now on.
    /// </summary>
    public void Push(ReadOnlySpan<byte> packet, ushort sequenceNumber, TimeSpan now)
    {
        ReturnPolled();
        if (packet.IsEmpty || packet.Length > _options.MaxPacketLength)
        {
            RejectedPackets++;
            return;
        }

        if (!_started)
        {
            _started = true;
            _next = sequenceNumber;
            _highest = sequenceNumber - 1;
        }

        // RFC 3550 A.1: the nearest extension of the 16-bit number to the newest one received.
        var extended = _highest + (short)(sequenceNumber - (ushort)_highest);
        if (extended < _next)
        {
            DiscardedPackets++;
            return;
        }

        if (extended - _next >= _slots.Length)
        {
            // Too far ahead to hold with what is missing: what is held goes out without it, and the window starts here.
            GiveUpBefore(extended);
            _next = extended;
            _highest = extended - 1;
            _keyframeWanted = true;
        }

        ref var slot = ref _slots[extended & _mask];
        if (extended <= _highest && slot.Buffer is not null)
        {
            DiscardedPackets++;
            return;
        }

        if (extended <= _highest)
        {
            _missing--; // a gap filled
            if (slot.Nacks > 0)
            {
                RecoveredPackets++;
                if (slot.Nacks == 1)
                    Sample(now - slot.LastNack); // Karn's rule: only an unambiguous sample
            }
        }
        else
        {
            for (var seq = _highest + 1; seq < extended; seq++)
            {
                _slots[seq & _mask] = new Slot { MissingSince = now };
                _missing++;
            }

            _highest = extended;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(packet.Length);
        packet.CopyTo(buffer);
        slot = new Slot { Buffer = buffer, Length = packet.Length };
        HeldPackets++;
        Release();
        HandleTimeout(now);
    }

    /// <summary>Gives up on the missing packets whose NACKs went unanswered or whose wait is over, and releases what follows.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        while (_next <= _highest)
        {
            ref var slot = ref _slots[_next & _mask];
            if (slot.Buffer is null)
            {
                var unanswered = slot.Nacks >= _options.MaxNacksPerPacket && now - slot.LastNack >= NackInterval;
                if (!unanswered && now - slot.MissingSince < _options.MaxWait)
                    return;
                GiveUpBefore(_next + 1);
            }

            Release();
        }
    }

    /// <summary>
    /// Writes the sequence numbers due a NACK now (missing and never asked for, or asked for a round trip ago and fewer
    /// than <see cref="RtpLossRecoveryOptions.MaxNacksPerPacket"/> times) into <paramref name="lost"/>, oldest first;
    /// returns how many. The caller sends them in one generic NACK (<c>RtcpGenericNack.FromSequenceNumbers</c>).
    /// </summary>
    public int PollNacks(Span<ushort> lost, TimeSpan now)
    {
        var count = 0;
        if (_missing == 0)
            return 0;
        for (var seq = _next; seq < _highest && count < lost.Length; seq++)
        {
            ref var slot = ref _slots[seq & _mask];
            if (slot.Buffer is not null || slot.Nacks >= _options.MaxNacksPerPacket || (slot.Nacks > 0 && now - slot.LastNack < NackInterval))
                continue;
            slot.Nacks++;
            slot.LastNack = now;
            lost[count++] = (ushort)seq;
        }

        NackedPackets += count;
        if (count > 0)
            NacksSent++;
        return count;
    }

    /// <summary>
    /// The next packet in sequence order, its bytes valid until the next call to this object; false when none is ready.
    /// </summary>
    public bool TryPollPacket(out ReadOnlyMemory<byte> packet)
    {
        ReturnPolled();
        if (!_released.TryDequeue(out var next))
        {
            packet = default;
            return false;
        }

        _polled = next.Buffer;
        packet = next.Buffer.AsMemory(0, next.Length);
        return true;
    }

    /// <summary>Whether a packet was given up on since the last call: the decoder needs a keyframe (send a PLI).</summary>
    public bool TakeKeyframeRequest()
    {
        var wanted = _keyframeWanted;
        _keyframeWanted = false;
        return wanted;
    }

    public void Dispose()
    {
        ReturnPolled();
        while (_released.TryDequeue(out var released))
            ArrayPool<byte>.Shared.Return(released.Buffer);
        for (var i = 0; i < _slots.Length; i++)
        {
            if (_slots[i].Buffer is { } buffer)
                ArrayPool<byte>.Shared.Return(buffer);
            _slots[i] = default;
        }
    }

    // Moves the packets in order from the window to the released queue, up to the first missing one.
    private void Release()
    {
        while (_next <= _highest)
        {
            ref var slot = ref _slots[_next & _mask];
            if (slot.Buffer is not { } buffer)
                return;
            _released.Enqueue((buffer, slot.Length));
            slot = default;
            HeldPackets--;
            _next++;
        }
    }

    // Everything before `end` leaves the window: the held packets are released in order, the missing ones given up on.
    private void GiveUpBefore(long end)
    {
        for (; _next < end && _next <= _highest; _next++)
        {
            ref var slot = ref _slots[_next & _mask];
            if (slot.Buffer is { } buffer)
            {
                _released.Enqueue((buffer, slot.Length));
                HeldPackets--;
            }
            else
            {
                LostPackets++;
                _missing--;
                _keyframeWanted = true;
            }

            slot = default;
        }
    }

    // RFC 6298 §2.3's smoothing (alpha 1/8) of the round trip.
    private void Sample(TimeSpan sample)
    {
        if (sample > TimeSpan.Zero)
            _roundTrip = _roundTrip + ((sample - _roundTrip) / 8);
    }

    private void ReturnPolled()
    {
        if (_polled is { } polled)
        {
            _polled = null;
            ArrayPool<byte>.Shared.Return(polled);
        }
    }

    // One sequence number of the window: a held packet, or a missing one with its NACK history.
    private struct Slot
    {
        public byte[]? Buffer;
        public int Length;
        public TimeSpan MissingSince;
        public TimeSpan LastNack;
        public int Nacks;
    }
}
