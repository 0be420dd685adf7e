using System.Buffers.Binary;

namespace EmsSharp.Protocols.Sctp;

/// <summary>
/// Re-configuration Response Parameter, RFC 6525 §4.4.
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Parameter Type = 16       |      Parameter Length         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Re-configuration Response Sequence Number             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                            Result                             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                   Sender's Next TSN (optional)                |
/// |                  Receiver's Next TSN (optional)               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly record struct SctpReConfigResponse(uint ResponseSequence, SctpReConfigResult Result)
{
    public const int Length = 12;

    public static bool TryRead(SctpParameter parameter, out SctpReConfigResponse response)
    {
        var v = parameter.Value;
        if (parameter.Type != (ushort)SctpParameterType.ReConfigResponse || (v.Length != 8 && v.Length != 16))
        {
            response = default;
            return false;
        }

        response = new SctpReConfigResponse(BinaryPrimitives.ReadUInt32BigEndian(v), (SctpReConfigResult)BinaryPrimitives.ReadUInt32BigEndian(v[4..]));
        return true;
    }

    public int GetSerializedLength() => Length;

    public bool TryWrite(Span<byte> destination, out int written)
    {
        if (destination.Length < Length)
        {
            written = 0;
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)SctpParameterType.ReConfigResponse);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ResponseSequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], (uint)Result);
        written = Length;
        return true;
    }
}
