namespace EmsSharp.Media.Hub;

/// <summary>The codecs a live stream's tracks may carry.</summary>
public enum MediaCodec
{
    /// <summary>H.264; frames are access units in AVCC form with 4-byte NAL lengths.</summary>
    H264,

    /// <summary>AAC; frames are raw access units without ADTS headers.</summary>
    Aac,

    /// <summary>Opus; frames are Opus packets.</summary>
    Opus,

    /// <summary>G.711 mu-law, 8 kHz.</summary>
    Pcmu,

    /// <summary>G.711 A-law, 8 kHz.</summary>
    Pcma,
}
