using System.Buffers;
using System.Buffers.Binary;

namespace EmsSharp.Protocols.Rtmp;

/// <summary>
/// Writes RTMP messages as chunks (RTMP 1.0 §5.3), compressing headers to type 1, 2 or 3 when the previous
/// message of the same chunk stream allows it (§5.3.1.2), as encoders do.
/// </summary>
internal sealed class RtmpChunkWriter
{
    private const uint ExtendedTimestampMarker = 0xFFFFFF;

    private readonly Dictionary<uint, RtmpChunkStreamState> _streams = [];
    private int _chunkSize = 128;

    /// <summary>Whether to compress headers; false writes a type 0 header for every message.</summary>
    public bool CompressHeaders { get; init; } = true;

    /// <summary>The outgoing chunk size; change it right after writing a Set Chunk Size message.</summary>
    public int ChunkSize
    {
        get => _chunkSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _chunkSize = value;
        }
    }

    /// <summary>Writes <paramref name="message"/> on chunk stream <paramref name="chunkStreamId"/> (2..65599).</summary>
    public void Write(IBufferWriter<byte> output, uint chunkStreamId, in RtmpMessage message)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkStreamId, 2u);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkStreamId, 65599u);
        var length = message.Payload.Length;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 0xFFFFFF);

        _streams.TryGetValue(chunkStreamId, out var previous);
        var fmt = ChooseFormat(previous, message, out var fieldValue);
        var extended = fieldValue >= ExtendedTimestampMarker;
        if (fmt == 3)
        {
            extended = previous!.ExtendedTimestamp;
        }

        var payload = message.Payload.Span;
        var offset = 0;
        do
        {
            var size = Math.Min(_chunkSize, length - offset);
            var span = output.GetSpan(3 + 11 + 4 + size);
            var written = WriteBasicHeader(span, offset == 0 ? fmt : 3, chunkStreamId);
            if (offset == 0)
            {
                written += WriteMessageHeader(span[written..], fmt, extended ? ExtendedTimestampMarker : fieldValue, message);
            }

            if (extended)
            {
                BinaryPrimitives.WriteUInt32BigEndian(span[written..], fieldValue);
                written += 4;
            }

            payload.Slice(offset, size).CopyTo(span[written..]);
            output.Advance(written + size);
            offset += size;
        }
        while (offset < length);

        previous ??= new RtmpChunkStreamState();
        _streams[chunkStreamId] = previous;
        previous.TimestampDelta = fmt == 0 ? message.Timestamp : fieldValue;
        previous.Timestamp = message.Timestamp;
        previous.Length = length;
        previous.TypeId = message.TypeId;
        previous.MessageStreamId = message.MessageStreamId;
        previous.ExtendedTimestamp = extended;
        previous.HasHeader = true;
    }

    private int ChooseFormat(RtmpChunkStreamState? previous, in RtmpMessage message, out uint fieldValue)
    {
        fieldValue = message.Timestamp;
        if (!CompressHeaders || previous is null || previous.MessageStreamId != message.MessageStreamId ||
            message.Timestamp < previous.Timestamp)
        {
            return 0;
        }

        fieldValue = message.Timestamp - previous.Timestamp;
        if (previous.Length != message.Payload.Length || previous.TypeId != message.TypeId)
        {
            return 1;
        }

        return fieldValue == previous.TimestampDelta ? 3 : 2;
    }

    // §5.3.1.1: 1 byte for ids 2-63, 2 bytes for 64-319, 3 bytes for 320-65599.
    private static int WriteBasicHeader(Span<byte> span, int fmt, uint chunkStreamId)
    {
        if (chunkStreamId < 64)
        {
            span[0] = (byte)((fmt << 6) | (int)chunkStreamId);
            return 1;
        }

        var rest = chunkStreamId - 64;
        if (rest < 256)
        {
            span[0] = (byte)(fmt << 6);
            span[1] = (byte)rest;
            return 2;
        }

        span[0] = (byte)((fmt << 6) | 1);
        span[1] = (byte)(rest & 0xFF);
        span[2] = (byte)(rest >> 8);
        return 3;
    }

    private static int WriteMessageHeader(Span<byte> span, int fmt, uint timestampField, in RtmpMessage message)
    {
        if (fmt == 3)
        {
            return 0;
        }

        WriteUInt24(span, timestampField);
        if (fmt == 2)
        {
            return 3;
        }

        WriteUInt24(span[3..], (uint)message.Payload.Length);
        span[6] = message.TypeId;
        if (fmt == 1)
        {
            return 7;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[7..], message.MessageStreamId);
        return 11;
    }

    private static void WriteUInt24(Span<byte> span, uint value)
    {
        span[0] = (byte)(value >> 16);
        span[1] = (byte)(value >> 8);
        span[2] = (byte)value;
    }
}
