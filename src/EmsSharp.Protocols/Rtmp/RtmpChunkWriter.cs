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
    public void Write(IBufferWriter<byte> output, uint chunkStreamId, in RtmpMessage message) =>
        Write(output, chunkStreamId, message.TypeId, message.Timestamp, message.MessageStreamId, default, message.Payload.Span);

    /// <summary>
    /// Writes one message whose payload is <paramref name="prefix"/> then <paramref name="body"/> (an FLV tag header and the
    /// frame it heads), so a frame shared by many players is copied straight into each one's output, never joined first.
    /// </summary>
    public void Write(
        IBufferWriter<byte> output, uint chunkStreamId, byte typeId, uint timestamp, uint messageStreamId,
        ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkStreamId, 2u);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkStreamId, 65599u);
        var length = prefix.Length + body.Length;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 0xFFFFFF);

        _streams.TryGetValue(chunkStreamId, out var previous);
        var fmt = ChooseFormat(previous, typeId, timestamp, messageStreamId, length, out var fieldValue);
        var extended = fieldValue >= ExtendedTimestampMarker;
        if (fmt == 3)
        {
            extended = previous!.ExtendedTimestamp;
        }

        var offset = 0;
        do
        {
            var size = Math.Min(_chunkSize, length - offset);
            var span = output.GetSpan(3 + 11 + 4 + size);
            var written = WriteBasicHeader(span, offset == 0 ? fmt : 3, chunkStreamId);
            if (offset == 0)
            {
                written += WriteMessageHeader(span[written..], fmt, extended ? ExtendedTimestampMarker : fieldValue, typeId, length,
                    messageStreamId);
            }

            if (extended)
            {
                BinaryPrimitives.WriteUInt32BigEndian(span[written..], fieldValue);
                written += 4;
            }

            CopyPayload(prefix, body, offset, span.Slice(written, size));
            output.Advance(written + size);
            offset += size;
        }
        while (offset < length);

        previous ??= new RtmpChunkStreamState();
        _streams[chunkStreamId] = previous;
        previous.TimestampDelta = fmt == 0 ? timestamp : fieldValue;
        previous.Timestamp = timestamp;
        previous.Length = length;
        previous.TypeId = typeId;
        previous.MessageStreamId = messageStreamId;
        previous.ExtendedTimestamp = extended;
        previous.HasHeader = true;
    }

    // Bytes [offset, offset + destination.Length) of prefix + body.
    private static void CopyPayload(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body, int offset, Span<byte> destination)
    {
        if (offset < prefix.Length)
        {
            var head = Math.Min(prefix.Length - offset, destination.Length);
            prefix.Slice(offset, head).CopyTo(destination);
            body[..(destination.Length - head)].CopyTo(destination[head..]);
            return;
        }

        body.Slice(offset - prefix.Length, destination.Length).CopyTo(destination);
    }

    private int ChooseFormat(
        RtmpChunkStreamState? previous, byte typeId, uint timestamp, uint messageStreamId, int length, out uint fieldValue)
    {
        fieldValue = timestamp;
        if (!CompressHeaders || previous is null || previous.MessageStreamId != messageStreamId || timestamp < previous.Timestamp)
        {
            return 0;
        }

        fieldValue = timestamp - previous.Timestamp;
        if (previous.Length != length || previous.TypeId != typeId)
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

    private static int WriteMessageHeader(Span<byte> span, int fmt, uint timestampField, byte typeId, int length, uint messageStreamId)
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

        WriteUInt24(span[3..], (uint)length);
        span[6] = typeId;
        if (fmt == 1)
        {
            return 7;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[7..], messageStreamId);
        return 11;
    }

    private static void WriteUInt24(Span<byte> span, uint value)
    {
        span[0] = (byte)(value >> 16);
        span[1] = (byte)(value >> 8);
        span[2] = (byte)value;
    }
}
