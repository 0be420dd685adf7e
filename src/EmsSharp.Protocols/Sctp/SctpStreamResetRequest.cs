using System.Buffers.Binary;

namespace EmsSharp.Protocols.Sctp;

/// <summary>
/// Outgoing SSN Reset Request (type 13, RFC 6525 §4.1) or Incoming SSN Reset Request (type 14, §4.2).
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Parameter Type = 13       | Parameter Length = 16 + 2 * N |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Re-configuration Request Sequence Number            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Re-configuration Response Sequence Number           |   (type 13 only)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                Sender's Last Assigned TSN                     |   (type 13 only)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Stream Number 1 (optional)   |    Stream Number 2 (optional) |
/// /                            ......                             /
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// An empty stream list means all streams.
/// </summary>
internal readonly ref struct SctpStreamResetRequest
{
    /// <summary>Most streams one request may list; keeps a RE-CONFIG chunk inside one packet.</summary>
    public const int MaxStreams = 256;

    private readonly ReadOnlySpan<byte> _streams;

    public SctpStreamResetRequest(bool isOutgoing, uint requestSequence, uint responseSequence, uint senderLastTsn, ReadOnlySpan<byte> streams)
    {
        IsOutgoing = isOutgoing;
        RequestSequence = requestSequence;
        ResponseSequence = responseSequence;
        SenderLastTsn = senderLastTsn;
        _streams = streams;
    }

    public bool IsOutgoing { get; }

    public uint RequestSequence { get; }

    public uint ResponseSequence { get; }

    public uint SenderLastTsn { get; }

    public int StreamCount => _streams.Length / 2;

    public ushort GetStream(int index) => BinaryPrimitives.ReadUInt16BigEndian(_streams[(index * 2)..]);

    public static bool TryRead(SctpParameter parameter, out SctpStreamResetRequest request)
    {
        request = default;
        var v = parameter.Value;
        if (parameter.Type == (ushort)SctpParameterType.OutgoingSsnResetRequest && v.Length >= 12 && v.Length % 2 == 0)
        {
            request = new SctpStreamResetRequest(true, BinaryPrimitives.ReadUInt32BigEndian(v), BinaryPrimitives.ReadUInt32BigEndian(v[4..]), BinaryPrimitives.ReadUInt32BigEndian(v[8..]), v[12..]);
            return true;
        }

        if (parameter.Type == (ushort)SctpParameterType.IncomingSsnResetRequest && v.Length >= 4 && v.Length % 2 == 0)
        {
            request = new SctpStreamResetRequest(false, BinaryPrimitives.ReadUInt32BigEndian(v), 0, 0, v[4..]);
            return true;
        }

        return false;
    }

    public int GetSerializedLength() => SctpChunk.Pad((IsOutgoing ? 16 : 8) + _streams.Length);

    public bool TryWrite(Span<byte> destination, out int written)
    {
        var length = (IsOutgoing ? 16 : 8) + _streams.Length;
        written = SctpChunk.Pad(length);
        if (destination.Length < written)
        {
            written = 0;
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(IsOutgoing ? SctpParameterType.OutgoingSsnResetRequest : SctpParameterType.IncomingSsnResetRequest));
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], RequestSequence);
        var o = 8;
        if (IsOutgoing)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[8..], ResponseSequence);
            BinaryPrimitives.WriteUInt32BigEndian(destination[12..], SenderLastTsn);
            o = 16;
        }

        _streams.CopyTo(destination[o..]);
        destination[length..written].Clear();
        return true;
    }

    /// <summary>Writes an Outgoing SSN Reset Request from typed stream ids.</summary>
    public static bool TryWriteOutgoing(Span<byte> destination, uint requestSequence, uint responseSequence, uint senderLastTsn, ReadOnlySpan<ushort> streams, out int written)
    {
        var length = 16 + (2 * streams.Length);
        written = SctpChunk.Pad(length);
        if (destination.Length < written || streams.Length > MaxStreams)
        {
            written = 0;
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)SctpParameterType.OutgoingSsnResetRequest);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], requestSequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], responseSequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], senderLastTsn);
        for (var i = 0; i < streams.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[(16 + (2 * i))..], streams[i]);
        }

        destination[length..written].Clear();
        return true;
    }
}
