namespace EmsSharp.Media.Fmp4;

/// <summary>
/// Writes the §4.2 packet framing of an fMP4 stream, as the stock EvoStream player expects it:
/// the init segment once as HEADER_MOOV, then per fragment BEGIN, HEADER_MOOF, HEADER_MDAT,
/// VIDEO_BUFFER, AUDIO_BUFFER, END. The player concatenates moof + mdat header + video + audio.
/// </summary>
public static class Fmp4StreamWriter
{
    /// <summary>Track mask bit for video in the HEADER_MOOV flags byte.</summary>
    public const byte VideoMask = 0x01;

    /// <summary>Track mask bit for audio in the HEADER_MOOV flags byte.</summary>
    public const byte AudioMask = 0x02;

    /// <summary>Bytes of the HEADER_MOOV packet for <paramref name="muxer"/>.</summary>
    public static int GetInitPacketLength(Fmp4Muxer muxer) => Fmp4StreamPacket.HeaderSize + 4 + muxer.InitSegment.Length;

    /// <summary>
    /// Writes HEADER_MOOV: flags byte 0xF0 | track mask (1 video, 2 audio, 3 both), then the AVC
    /// profile_idc, constraint byte and level_idc from the avcC (zeros without video), then ftyp + moov.
    /// The EvoStream server always sets the high nibble to 0xF, also for audio-only streams.
    /// </summary>
    public static bool TryWriteInit(Span<byte> destination, Fmp4Muxer muxer, out int written)
    {
        written = 0;
        var length = GetInitPacketLength(muxer);
        if (destination.Length < length || length - Fmp4StreamPacket.HeaderSize > Fmp4StreamPacket.MaxPayloadSize)
        {
            return false;
        }

        Fmp4StreamPacket.WriteHeader(destination, Fmp4StreamPacketType.HeaderMoov, length - Fmp4StreamPacket.HeaderSize);
        var video = muxer.Video;
        destination[4] = (byte)(0xF0 | (video is null ? 0 : VideoMask) | (muxer.Audio is null ? 0 : AudioMask));
        destination[5] = video?.Record.ProfileIndication ?? 0;
        destination[6] = video?.Record.ProfileCompatibility ?? 0;
        destination[7] = video?.Record.LevelIndication ?? 0;
        muxer.InitSegment.CopyTo(destination[8..]);
        written = length;
        return true;
    }

    /// <summary>Bytes of the packets of <paramref name="fragment"/>.</summary>
    public static int GetFragmentLength(in Fmp4Fragment fragment) =>
        (Fmp4StreamPacket.HeaderSize * 4) + fragment.Moof.Length + fragment.MdatHeader.Length
        + (fragment.Video.Length > 0 ? Fmp4StreamPacket.HeaderSize + fragment.Video.Length : 0)
        + (fragment.Audio.Length > 0 ? Fmp4StreamPacket.HeaderSize + fragment.Audio.Length : 0);

    /// <summary>
    /// Writes BEGIN, HEADER_MOOF, HEADER_MDAT, VIDEO_BUFFER (if any), AUDIO_BUFFER (if any), END.
    /// False when the span is too small or a part exceeds the 24-bit size.
    /// </summary>
    public static bool TryWriteFragment(Span<byte> destination, in Fmp4Fragment fragment, out int written)
    {
        written = 0;
        var length = GetFragmentLength(fragment);
        if (destination.Length < length || fragment.Moof.Length > Fmp4StreamPacket.MaxPayloadSize
            || fragment.Video.Length > Fmp4StreamPacket.MaxPayloadSize || fragment.Audio.Length > Fmp4StreamPacket.MaxPayloadSize)
        {
            return false;
        }

        var position = 0;
        Fmp4StreamPacket.WriteHeader(destination, Fmp4StreamPacketType.Begin, 0);
        position += Fmp4StreamPacket.HeaderSize;
        position += Write(destination[position..], Fmp4StreamPacketType.HeaderMoof, fragment.Moof.Span);
        position += Write(destination[position..], Fmp4StreamPacketType.HeaderMdat, fragment.MdatHeader.Span);
        if (fragment.Video.Length > 0)
        {
            position += Write(destination[position..], Fmp4StreamPacketType.VideoBuffer, fragment.Video.Span);
        }

        if (fragment.Audio.Length > 0)
        {
            position += Write(destination[position..], Fmp4StreamPacketType.AudioBuffer, fragment.Audio.Span);
        }

        Fmp4StreamPacket.WriteHeader(destination[position..], Fmp4StreamPacketType.End, 0);
        written = position + Fmp4StreamPacket.HeaderSize;
        return true;
    }

    private static int Write(Span<byte> destination, Fmp4StreamPacketType type, ReadOnlySpan<byte> payload)
    {
        Fmp4StreamPacket.WriteHeader(destination, type, payload.Length);
        payload.CopyTo(destination[Fmp4StreamPacket.HeaderSize..]);
        return Fmp4StreamPacket.HeaderSize + payload.Length;
    }
}
