namespace EmsSharp.Server.Recording;

/// <summary>The file formats of <c>record type=</c>.</summary>
internal static class RecordType
{
    /// <summary>Fragmented MP4 (ISO/IEC 14496-12 §8.8): init segment, then one moof+mdat per fragment.</summary>
    public const string Mp4 = "mp4";

    /// <summary>FLV (FLV v10.1 Annex E), sequence headers first.</summary>
    public const string Flv = "flv";

    /// <summary>MPEG-TS (ISO/IEC 13818-1): PAT and PMT, then one PES per frame (H.264 and AAC).</summary>
    public const string Ts = "ts";

    /// <summary>
    /// EvoStream's type tag of the recording as an outbound stream: <c>OFMP4</c>, <c>OFTS</c> or <c>OFR</c> (an FLV file,
    /// RTMP's tags).
    /// </summary>
    public static string TypeTag(string type) => type switch
    {
        Mp4 => "OFMP4",
        Ts => "OFTS",
        _ => "OFR",
    };

    /// <summary>Whether <paramref name="type"/> is one of the types (lower case).</summary>
    public static bool IsKnown(string type) => type is Mp4 or Flv or Ts;
}
