namespace EmsSharp.Media.Fmp4;

/// <summary>
/// Reads the §4.2 framing from chunks of any size (a packet may span chunks, a chunk may hold several
/// packets) and reassembles what a player appends: the init segment (first HEADER_MOOV only) and each
/// complete fragment (moof + mdat header + video + audio, in that order whatever the packet order,
/// parts of one type concatenated). Fragment packets without a preceding BEGIN are dropped.
/// Used by tests and the load tool; allocates per fragment.
/// </summary>
public sealed class Fmp4StreamReassembler(int maxPayloadSize = Fmp4StreamPacket.MaxPayloadSize, int maxFragmentSize = 32 * 1024 * 1024)
{
    private readonly Queue<byte[]> _fragments = new();
    private readonly MemoryStream _moof = new();
    private readonly MemoryStream _mdat = new();
    private readonly MemoryStream _video = new();
    private readonly MemoryStream _audio = new();
    private byte[] _pending = new byte[64 * 1024];
    private int _pendingLength;
    private bool _inFragment;

    /// <summary>The HEADER_MOOV flags byte, once received.</summary>
    public byte? Flags { get; private set; }

    /// <summary>AVC profile_idc, constraint byte and level_idc from HEADER_MOOV (when the flags' high nibble is 0xF).</summary>
    public byte[]? AvcProfile { get; private set; }

    /// <summary>ftyp + moov from the first HEADER_MOOV.</summary>
    public byte[]? InitSegment { get; private set; }

    /// <summary>Packets seen, by all types.</summary>
    public long Packets { get; private set; }

    /// <summary>Fragment packets dropped for want of a BEGIN.</summary>
    public long DroppedPackets { get; private set; }

    /// <summary>
    /// Consumes a chunk. False when the stream is malformed (unknown type, size over the limit, a bad
    /// HEADER_MOOV or a fragment over the limit); the reassembler should then be discarded.
    /// </summary>
    public bool Push(ReadOnlySpan<byte> chunk)
    {
        while (chunk.Length > 0)
        {
            if (_pendingLength < Fmp4StreamPacket.HeaderSize)
            {
                var take = Math.Min(Fmp4StreamPacket.HeaderSize - _pendingLength, chunk.Length);
                Append(chunk[..take]);
                chunk = chunk[take..];
                if (_pendingLength < Fmp4StreamPacket.HeaderSize)
                {
                    return true;
                }

                // Check the declared length before buffering the payload.
                if (!Fmp4StreamPacket.IsKnownType(_pending[0]) || PendingSize > maxPayloadSize)
                {
                    return false;
                }
            }

            var needed = Fmp4StreamPacket.HeaderSize + PendingSize - _pendingLength;
            var part = Math.Min(needed, chunk.Length);
            Append(chunk[..part]);
            chunk = chunk[part..];
            if (part < needed)
            {
                return true;
            }

            if (!Fmp4StreamPacket.TryRead(_pending.AsSpan(0, _pendingLength), out var packet, out _, maxPayloadSize)
                || !Handle(packet))
            {
                return false;
            }

            _pendingLength = 0;
        }

        return true;
    }

    /// <summary>Returns the next complete fragment (moof + mdat), in arrival order.</summary>
    public bool TryPollFragment(out byte[] fragment) => _fragments.TryDequeue(out fragment!);

    private int PendingSize => (_pending[1] << 16) | (_pending[2] << 8) | _pending[3];

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_pending.Length - _pendingLength < bytes.Length)
        {
            Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _pendingLength + bytes.Length));
        }

        bytes.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += bytes.Length;
    }

    private bool Handle(Fmp4StreamPacket packet)
    {
        Packets++;
        switch (packet.Type)
        {
            case Fmp4StreamPacketType.HeaderMoov:
                var payload = packet.Payload;
                if (payload.Length < 1)
                {
                    return false;
                }

                var skip = (payload[0] & 0xF0) == 0xF0 ? 4 : 1;
                if (payload.Length < skip + 8)
                {
                    return false;
                }

                if (InitSegment is null)
                {
                    Flags = payload[0];
                    AvcProfile = skip == 4 ? payload[1..4].ToArray() : null;
                    InitSegment = payload[skip..].ToArray();
                }

                return true;
            case Fmp4StreamPacketType.Begin:
                _inFragment = true;
                _moof.SetLength(0);
                _mdat.SetLength(0);
                _video.SetLength(0);
                _audio.SetLength(0);
                return true;
            case Fmp4StreamPacketType.End:
                if (!_inFragment)
                {
                    DroppedPackets++;
                    return true;
                }

                _inFragment = false;
                var fragment = new byte[_moof.Length + _mdat.Length + _video.Length + _audio.Length];
                var position = 0;
                foreach (var part in (ReadOnlySpan<MemoryStream>)[_moof, _mdat, _video, _audio])
                {
                    part.GetBuffer().AsSpan(0, (int)part.Length).CopyTo(fragment.AsSpan(position));
                    position += (int)part.Length;
                }

                _fragments.Enqueue(fragment);
                return true;
            default:
                if (!_inFragment)
                {
                    DroppedPackets++;
                    return true;
                }

                var target = packet.Type switch
                {
                    Fmp4StreamPacketType.HeaderMoof => _moof,
                    Fmp4StreamPacketType.HeaderMdat => _mdat,
                    Fmp4StreamPacketType.VideoBuffer => _video,
                    _ => _audio,
                };
                if (_moof.Length + _mdat.Length + _video.Length + _audio.Length + packet.Payload.Length > maxFragmentSize)
                {
                    return false;
                }

                target.Write(packet.Payload);
                return true;
        }
    }
}
