namespace EmsSharp.Protocols.DataChannels;

/// <summary>SCTP Payload Protocol Identifiers of WebRTC data channels, RFC 8831 §8 and RFC 8832 §8.1.</summary>
internal static class DataChannelPpid
{
    public const uint Dcep = 50;
    public const uint String = 51;
    public const uint StringPartial = 52;
    public const uint Binary = 53;
    public const uint BinaryPartial = 54;
    public const uint StringEmpty = 56;
    public const uint BinaryEmpty = 57;
}
