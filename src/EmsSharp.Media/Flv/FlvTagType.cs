namespace EmsSharp.Media.Flv;

/// <summary>FLV tag types (Adobe FLV specification v10.1, Annex E.4.1).</summary>
public enum FlvTagType : byte
{
    /// <summary>Audio tag.</summary>
    Audio = 8,

    /// <summary>Video tag.</summary>
    Video = 9,

    /// <summary>Script data (AMF0, e.g. onMetaData).</summary>
    Script = 18,
}
