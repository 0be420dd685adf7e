namespace EmsSharp.Server.Delivery.WebRtc;

/// <summary>
/// Pulls the packets out of an Ogg bitstream (RFC 3533) as it arrives in chunks: pages are framed by their
/// header and segment table, packets by lacing values (a lacing value of 255 continues the packet). Only
/// what ffmpeg's Ogg/Opus output needs: one logical stream, no CRC check (a local pipe). Sizes are bounded:
/// a page at most 65,307 bytes, a packet at most <see cref="MaxPacketLength"/>.
/// </summary>
/// <remarks>
/// RFC 3533 §6 page header:
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1| Byte
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | capture_pattern: Magic number for page start "OggS"           | 0-3
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | version       | header_type   | granule_position              | 4-7
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
/// |                                                               | 8-11
/// +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                               | bitstream_serial_number       | 12-15
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
/// |                               | page_sequence_number          | 16-19
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
/// |                               | CRC_checksum                  | 20-23
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
/// |                               |page_segments  | segment_table | 24-27
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | ...                                                           | 28-
/// </code>
/// </remarks>
internal sealed class OggPacketReader
{
    /// <summary>Largest packet assembled (an Opus packet is at most 1275 * 3 bytes plus framing).</summary>
    public const int MaxPacketLength = 8 * 1024;

    private const int HeaderLength = 27;
    private const int MaxPageLength = HeaderLength + 255 + (255 * 255);

    private readonly byte[] _buffer = new byte[MaxPageLength * 2];
    private readonly byte[] _packet = new byte[MaxPacketLength];
    private int _count;
    private int _packetLength;
    private bool _packetOverflow;

    /// <summary>Malformed pages skipped (resynchronised on the next <c>OggS</c>).</summary>
    public long MalformedPages { get; private set; }

    /// <summary>
    /// Appends <paramref name="data"/> and calls <paramref name="onPacket"/> for every complete packet, in order.
    /// The span handed to the callback is only valid during the call.
    /// </summary>
    public void Append(ReadOnlySpan<byte> data, PacketHandler onPacket)
    {
        while (!data.IsEmpty)
        {
            var n = Math.Min(data.Length, _buffer.Length - _count);
            data[..n].CopyTo(_buffer.AsSpan(_count));
            _count += n;
            data = data[n..];
            var consumed = ReadPages(onPacket);
            _buffer.AsSpan(consumed, _count - consumed).CopyTo(_buffer);
            _count -= consumed;
        }
    }

    /// <summary>Receives one packet.</summary>
    public delegate void PacketHandler(ReadOnlySpan<byte> packet);

    private int ReadPages(PacketHandler onPacket)
    {
        var offset = 0;
        while (_count - offset >= HeaderLength)
        {
            var page = _buffer.AsSpan(offset, _count - offset);
            // RFC 3533 §6: capture pattern "OggS", stream structure version 0.
            if (!page.StartsWith("OggS"u8) || page[4] != 0)
            {
                MalformedPages++;
                var next = page[1..].IndexOf("OggS"u8);
                offset += next < 0 ? Math.Max(0, page.Length - 3) : next + 1;
                if (next < 0)
                    break;
                continue;
            }

            int segments = page[26];
            if (page.Length < HeaderLength + segments)
                break;
            var lacing = page.Slice(HeaderLength, segments);
            var bodyLength = 0;
            foreach (var l in lacing)
                bodyLength += l;
            if (page.Length < HeaderLength + segments + bodyLength)
                break;
            var body = page.Slice(HeaderLength + segments, bodyLength);
            // Header type bit 0x01: this page continues a packet of the previous page.
            if ((page[5] & 0x01) == 0)
            {
                _packetLength = 0;
                _packetOverflow = false;
            }

            var position = 0;
            foreach (var l in lacing)
            {
                if (!_packetOverflow && _packetLength + l <= _packet.Length)
                {
                    body.Slice(position, l).CopyTo(_packet.AsSpan(_packetLength));
                    _packetLength += l;
                }
                else
                {
                    _packetOverflow = true;
                }

                position += l;
                // RFC 3533 §5: a lacing value below 255 ends the packet.
                if (l < 255)
                {
                    if (!_packetOverflow)
                        onPacket(_packet.AsSpan(0, _packetLength));
                    _packetLength = 0;
                    _packetOverflow = false;
                }
            }

            offset += HeaderLength + segments + bodyLength;
        }

        return offset;
    }
}
