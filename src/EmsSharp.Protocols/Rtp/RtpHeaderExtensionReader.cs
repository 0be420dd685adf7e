namespace EmsSharp.Protocols.Rtp;

/// <summary>Finds elements in an RTP header extension block of the one-byte or two-byte form (RFC 8285 §4).</summary>
public static class RtpHeaderExtensionReader
{
    /// <summary>
    /// Finds element <paramref name="id"/> in the extension of <paramref name="packet"/> described by
    /// <paramref name="header"/>. False if absent, the profile is neither form, or the block is malformed.
    /// </summary>
    public static bool TryFind(ReadOnlySpan<byte> packet, in RtpHeader header, int id, out ReadOnlySpan<byte> value)
    {
        bool found = TryFindOffset(packet, header, id, out int offset, out int length);
        value = found ? packet.Slice(offset, length) : default;
        return found;
    }

    /// <summary>Like <see cref="TryFind"/>, giving the element value's offset in the packet and its length.</summary>
    public static bool TryFindOffset(ReadOnlySpan<byte> packet, in RtpHeader header, int id, out int offset, out int length)
    {
        offset = 0;
        length = 0;
        if (!header.Extension || header.ExtensionOffset + header.ExtensionLength > packet.Length)
        {
            return false;
        }
        var block = packet.Slice(header.ExtensionOffset, header.ExtensionLength);
        bool oneByte = header.ExtensionProfile == RtpHeaderExtensionWriter.OneByteProfile;
        if (!oneByte && (header.ExtensionProfile & 0xFFF0) != RtpHeaderExtensionWriter.TwoByteProfile)
        {
            return false;
        }
        int position = 0;
        while (position < block.Length)
        {
            byte first = block[position];
            if (first == 0)
            {
                position++; // RFC 8285 §4.2/§4.3: padding bytes between elements.
                continue;
            }
            int elementId;
            if (oneByte)
            {
                elementId = first >> 4;
                if (elementId == 15)
                {
                    return false; // RFC 8285 §4.2: id 15 stops processing.
                }
                length = (first & 0x0F) + 1;
                position++;
            }
            else
            {
                if (position + 1 >= block.Length)
                {
                    return false;
                }
                elementId = first;
                length = block[position + 1];
                position += 2;
            }
            if (position + length > block.Length)
            {
                return false;
            }
            if (elementId == id)
            {
                offset = header.ExtensionOffset + position;
                return true;
            }
            position += length;
        }
        return false;
    }
}
