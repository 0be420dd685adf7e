using System.Buffers.Binary;
using EmsSharp.Protocols.Rtcp;
using EmsSharp.Protocols.Rtp;
using EmsSharp.Protocols.Srtp;

namespace EmsSharp.WebRtc.Tests;

/// <summary>
/// The browser's side of one H.264 track, for tests: SRTP-unprotects, puts packets back in sequence order (a
/// jitter buffer without a deadline), unwraps RTX retransmissions (RFC 4588), detects gaps, asks for them with SRTCP-protected generic NACKs
/// (RFC 4585 §6.2.1) until they arrive, and reassembles access units. The test tells it the first sequence number
/// and the packet count, standing in for the later packets a live stream would bring to reveal tail losses.
/// Thread-safe: datagrams arrive on the session loop, ticks come from the test.
/// </summary>
internal sealed class NackingH264Receiver(
    SrtpContext remote, SrtpContext local, uint localSsrc, uint mediaSsrc, uint rtxSsrc, ushort firstSequence,
    int packetCount, TimeProvider time)
{
    private const int MaxNackedPerTick = 64;

    private readonly object _gate = new();
    private readonly Packet?[] _packets = new Packet?[packetCount];
    private readonly TimeSpan?[] _missingSince = new TimeSpan?[packetCount];
    private readonly H264Depacketizer _depacketizer = new();
    private readonly long _origin = time.GetTimestamp();
    private int _highest = -1;
    private int _nextToDepacketize;
    private bool _allSent;

    /// <summary>Access units reassembled, in order (AVCC).</summary>
    public List<byte[]> AccessUnits { get; } = [];

    public int Received { get; private set; }

    public int RtxReceived { get; private set; }

    public int Duplicates { get; private set; }

    public int OutOfOrder { get; private set; }

    public int NacksSent { get; private set; }

    public int SequenceNumbersNacked { get; private set; }

    public int DroppedAccessUnits { get; private set; }

    public int Rejected { get; private set; }

    public bool Complete
    {
        get
        {
            lock (_gate)
            {
                return _nextToDepacketize == packetCount;
            }
        }
    }

    public string Describe()
    {
        lock (_gate)
        {
            return $"received {Received}/{packetCount}, next {_nextToDepacketize}, highest {_highest}, nacks {NacksSent}, " +
                $"rejected {Rejected}, duplicates {Duplicates}";
        }
    }

    /// <summary>Every packet has been sent: losses at the tail are now known too.</summary>
    public void MarkAllSent()
    {
        lock (_gate)
        {
            _allSent = true;
            var now = Now;
            for (var i = _highest + 1; i < packetCount; i++)
            {
                _missingSince[i] ??= now;
            }
        }
    }

    /// <summary>Takes one SRTP/SRTCP datagram from the session.</summary>
    public void OnDatagram(ReadOnlySpan<byte> datagram)
    {
        // RFC 5761 §4: payload types 64-95 (with the marker bit, 192-223) are RTCP; sender reports are ignored.
        if (datagram.Length < 2 || datagram[1] is >= 192 and <= 223)
        {
            return;
        }

        var buffer = datagram.ToArray();
        lock (_gate)
        {
            if (!remote.TryUnprotectRtp(buffer, buffer.Length, out var length) ||
                !RtpHeader.TryRead(buffer.AsSpan(0, length), out var header, out var headerLength) ||
                (header.Ssrc != mediaSsrc && header.Ssrc != rtxSsrc) ||
                !RtpHeader.TryGetPayload(buffer.AsSpan(0, length), header, headerLength, out var payload))
            {
                Rejected++;
                return;
            }

            var sequenceNumber = header.SequenceNumber;
            if (header.Ssrc == rtxSsrc)
            {
                // RFC 4588 §4: the RTX payload is the original sequence number then the original payload; timestamp
                // and marker are the original's.
                if (payload.Length < 2)
                {
                    Rejected++;
                    return;
                }

                sequenceNumber = BinaryPrimitives.ReadUInt16BigEndian(payload);
                payload = payload[2..];
                RtxReceived++;
            }

            var index = (ushort)(sequenceNumber - firstSequence);
            if (index >= packetCount)
            {
                Rejected++;
                return;
            }

            if (_packets[index] is not null)
            {
                Duplicates++;
                return;
            }

            Received++;
            _packets[index] = new Packet(payload.ToArray(), sequenceNumber, header.Timestamp, header.Marker);
            _missingSince[index] = null;
            if (index < _highest)
            {
                OutOfOrder++;
            }

            var now = Now;
            for (var i = _highest + 1; i < index; i++)
            {
                _missingSince[i] = now;
            }

            _highest = Math.Max(_highest, index);
            Depacketize();
        }
    }

    /// <summary>
    /// Writes a protected NACK for the packets missing for at least <paramref name="patience"/> (the reorder
    /// allowance), or returns false when none is due. Repeats until they arrive: NACKs and retransmissions get lost too.
    /// </summary>
    public bool TryWriteNack(TimeSpan patience, Span<byte> destination, out int written)
    {
        written = 0;
        Span<ushort> lost = stackalloc ushort[MaxNackedPerTick];
        var count = 0;
        lock (_gate)
        {
            var now = Now;
            var end = _allSent ? packetCount : _highest;
            for (var i = _nextToDepacketize; i < end && count < MaxNackedPerTick; i++)
            {
                if (_packets[i] is null && _missingSince[i] is { } since && now - since >= patience)
                {
                    lost[count++] = (ushort)(firstSequence + i);
                    _missingSince[i] = now; // ask again after another patience interval
                }
            }

            if (count == 0)
            {
                return false;
            }

            var nack = RtcpGenericNack.FromSequenceNumbers(localSsrc, mediaSsrc, lost[..count]);
            if (!nack.TryWrite(destination, out var length) || !local.TryProtectRtcp(destination, length, out written))
            {
                return false;
            }

            NacksSent++;
            SequenceNumbersNacked += count;
            return true;
        }
    }

    private TimeSpan Now => time.GetElapsedTime(_origin);

    private void Depacketize()
    {
        while (_nextToDepacketize < packetCount && _packets[_nextToDepacketize] is { } p)
        {
            _nextToDepacketize++;
            switch (_depacketizer.Push(p.Payload, p.SequenceNumber, p.Timestamp, p.Marker))
            {
                case H264DepacketizerResult.AccessUnitReady:
                    AccessUnits.Add(_depacketizer.AccessUnit.ToArray());
                    break;
                case H264DepacketizerResult.AccessUnitDropped:
                case H264DepacketizerResult.Malformed:
                    DroppedAccessUnits++;
                    break;
                case H264DepacketizerResult.NeedMore:
                    break;
                default:
                    throw new InvalidOperationException("Unknown depacketizer result.");
            }
        }
    }

    private sealed record Packet(byte[] Payload, ushort SequenceNumber, uint Timestamp, bool Marker);
}
