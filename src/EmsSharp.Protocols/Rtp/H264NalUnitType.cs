namespace EmsSharp.Protocols.Rtp;

/// <summary>H.264 NAL unit types used by the RTP payload format (ITU-T H.264 Table 7-1, RFC 6184 §5.2).</summary>
internal static class H264NalUnitType
{
    public const int Idr = 5;
    public const int Sei = 6;
    public const int Sps = 7;
    public const int Pps = 8;
    public const int AccessUnitDelimiter = 9;
    public const int FillerData = 12;
    public const int StapA = 24;
    public const int FuA = 28;

    public static int Of(byte header) => header & 0x1F;
}
