namespace EmsSharp.Protocols.Dtls;

/// <summary>Cheap looks at a DTLS record header, for the demultiplexer (RFC 6347 §4.1, RFC 7983).</summary>
/// <remarks>
/// <code>
/// struct {
///     ContentType type;            // 1 byte, 20..63 (RFC 7983)
///     ProtocolVersion version;     // 2 bytes, 0xFEFF (1.0) or 0xFEFD (1.2)
///     uint16 epoch;
///     uint48 sequence_number;
///     uint16 length;
///     opaque fragment[length];
/// } DTLSPlaintext;                 // header = 13 bytes
/// </code>
/// </remarks>
public static class DtlsRecordPeek
{
    /// <summary>Size of the DTLS record header.</summary>
    public const int HeaderLength = 13;

    private const byte Handshake = 22;
    private const byte ClientHelloType = 1;

    /// <summary>True when the datagram starts with a plausible DTLS record header.</summary>
    public static bool IsDtlsRecord(ReadOnlySpan<byte> datagram) =>
        datagram.Length >= HeaderLength && datagram[0] is >= 20 and <= 63 && datagram[1] == 0xFE;

    /// <summary>True when the datagram's first record is an epoch-0 handshake record holding a ClientHello.</summary>
    public static bool IsClientHello(ReadOnlySpan<byte> datagram) =>
        IsDtlsRecord(datagram) && datagram[0] == Handshake && datagram[3] == 0 && datagram[4] == 0 &&
        datagram.Length > HeaderLength && datagram[HeaderLength] == ClientHelloType;
}
