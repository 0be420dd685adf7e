namespace EmsSharp.Media.Fmp4;

/// <summary>Packet types of the stream channel / WS-FMP4 framing (PROTOCOL.md §4.2).</summary>
public enum Fmp4StreamPacketType : byte
{
    /// <summary>Starts a fragment; no payload.</summary>
    Begin = 249,
    /// <summary>Flags byte (+3 AVC bytes when its high nibble is 0xF), then ftyp + moov.</summary>
    HeaderMoov = 250,
    /// <summary>The moof box.</summary>
    HeaderMoof = 251,
    /// <summary>Video sample bytes of the fragment.</summary>
    VideoBuffer = 252,
    /// <summary>Audio sample bytes of the fragment.</summary>
    AudioBuffer = 253,
    /// <summary>The 8-byte mdat header.</summary>
    HeaderMdat = 254,
    /// <summary>Ends a fragment; no payload.</summary>
    End = 255,
}
