using System.Buffers.Binary;

namespace EmsSharp.Protocols.Sctp;

/// <summary>
/// INIT (type 1) and INIT ACK (type 2) chunks, RFC 9260 §3.3.2 and §3.3.3 (same fixed part).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Type = 1/2  |  Chunk Flags  |      Chunk Length             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Initiate Tag                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Advertised Receiver Window Credit (a_rwnd)          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Number of Outbound Streams   |  Number of Inbound Streams    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                          Initial TSN                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// \              Optional/Variable-Length Parameters              \
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// We always advertise Forward-TSN-Supported (RFC 3758 §3.1) and Supported Extensions listing
/// RE-CONFIG and FORWARD TSN (RFC 5061 §4.2.7, RFC 6525 §5), as usrsctp and dcsctp expect.
/// </summary>
internal readonly ref struct SctpInitChunk
{
    public const int FixedLength = 20;

    public SctpInitChunk(bool isAck, uint initiateTag, uint aRwnd, ushort outboundStreams, ushort inboundStreams, uint initialTsn, ReadOnlySpan<byte> parameters)
    {
        IsAck = isAck;
        InitiateTag = initiateTag;
        ARwnd = aRwnd;
        OutboundStreams = outboundStreams;
        InboundStreams = inboundStreams;
        InitialTsn = initialTsn;
        Parameters = parameters;
    }

    public bool IsAck { get; }

    public uint InitiateTag { get; }

    public uint ARwnd { get; }

    public ushort OutboundStreams { get; }

    public ushort InboundStreams { get; }

    public uint InitialTsn { get; }

    /// <summary>The raw TLV parameters after the fixed part.</summary>
    public ReadOnlySpan<byte> Parameters { get; }

    public static bool TryRead(SctpChunk chunk, out SctpInitChunk init)
    {
        var v = chunk.Value;
        init = default;
        if ((chunk.Type != (byte)SctpChunkType.Init && chunk.Type != (byte)SctpChunkType.InitAck)
            || v.Length < FixedLength - SctpChunk.HeaderLength)
        {
            return false;
        }

        init = new SctpInitChunk(
            chunk.Type == (byte)SctpChunkType.InitAck,
            BinaryPrimitives.ReadUInt32BigEndian(v),
            BinaryPrimitives.ReadUInt32BigEndian(v[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(v[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(v[10..]),
            BinaryPrimitives.ReadUInt32BigEndian(v[12..]),
            v[16..]);
        return true;
    }

    public static bool TryRead(ReadOnlySpan<byte> source, out SctpInitChunk init, out int consumed)
    {
        init = default;
        if (!SctpChunk.TryRead(source, out var chunk, out consumed) || !TryRead(chunk, out init))
        {
            consumed = 0;
            return false;
        }

        return true;
    }

    /// <summary>
    /// Walks the parameters (RFC 9260 §3.2.1 upper-bit rules for unknown ones). Returns false when a
    /// parameter is malformed. <paramref name="unrecognized"/> receives the raw parameters to report
    /// (upper bits 01 or 11), truncated to its capacity; <paramref name="unrecognizedLength"/> says how much.
    /// </summary>
    public bool TryReadParameters(out SctpInitParameters result, Span<byte> unrecognized, out int unrecognizedLength)
    {
        result = default;
        unrecognizedLength = 0;
        var p = Parameters;
        while (p.Length > 0)
        {
            if (!SctpParameter.TryRead(p, out var parameter, out var consumed))
            {
                return false;
            }

            p = p[consumed..];
            switch ((SctpParameterType)parameter.Type)
            {
                case SctpParameterType.StateCookie:
                    result.StateCookie = parameter.Value.ToArray();
                    break;
                case SctpParameterType.ForwardTsnSupported:
                    result.ForwardTsnSupported = true;
                    break;
                case SctpParameterType.SupportedExtensions:
                    foreach (var type in parameter.Value)
                    {
                        result.ReConfigSupported |= type == (byte)SctpChunkType.ReConfig;
                        result.ForwardTsnSupported |= type == (byte)SctpChunkType.ForwardTsn;
                    }

                    break;
                case SctpParameterType.HeartbeatInfo:
                case SctpParameterType.CookiePreservative:
                case SctpParameterType.SupportedAddressTypes:
                    break;
                default:
                    // RFC 9260 §3.2.1: the two upper bits say whether to stop or skip and whether to report.
                    var action = parameter.Type >> 14;
                    if ((action & 1) != 0 && unrecognized.Length - unrecognizedLength >= SctpChunk.Pad(parameter.Raw.Length) + 4
                        && SctpParameter.TryWrite(unrecognized[unrecognizedLength..], (ushort)SctpParameterType.UnrecognizedParameter, parameter.Raw, out var w))
                    {
                        unrecognizedLength += w;
                    }

                    if ((action & 2) == 0)
                    {
                        return true;
                    }

                    break;
            }
        }

        return true;
    }

    public int GetSerializedLength() => FixedLength + Parameters.Length;

    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = SctpChunk.Pad(FixedLength + Parameters.Length);
        if (destination.Length < written || written > ushort.MaxValue)
        {
            written = 0;
            return false;
        }

        SctpChunk.WriteHeader(destination, (byte)(IsAck ? SctpChunkType.InitAck : SctpChunkType.Init), 0, FixedLength + Parameters.Length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], InitiateTag);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], ARwnd);
        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], OutboundStreams);
        BinaryPrimitives.WriteUInt16BigEndian(destination[14..], InboundStreams);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], InitialTsn);
        Parameters.CopyTo(destination[FixedLength..]);
        destination[(FixedLength + Parameters.Length)..written].Clear();
        return true;
    }

    /// <summary>Writes the parameters we always send: Supported Extensions and Forward-TSN-Supported.</summary>
    public static int WriteStandardParameters(Span<byte> destination)
    {
        SctpParameter.TryWrite(destination, (ushort)SctpParameterType.SupportedExtensions, [(byte)SctpChunkType.ReConfig, (byte)SctpChunkType.ForwardTsn], out var a);
        SctpParameter.TryWrite(destination[a..], (ushort)SctpParameterType.ForwardTsnSupported, [], out var b);
        return a + b;
    }
}
