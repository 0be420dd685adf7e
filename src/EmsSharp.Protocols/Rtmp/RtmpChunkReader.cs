using System.Buffers;
using System.Buffers.Binary;

namespace EmsSharp.Protocols.Rtmp;

/// <summary>
/// Sans-IO RTMP chunk stream parser (Adobe RTMP specification 1.0, §5.3): reads one chunk at a time from a
/// <see cref="SequenceReader{T}"/>, keeps the per-chunk-stream header state, reassembles messages, and
/// applies Set Chunk Size and Abort Message itself (§5.4.1, §5.4.2) since they change how the next
/// chunk parses. Every declared length is checked against <see cref="RtmpLimits"/> before buffering.
/// </summary>
internal sealed class RtmpChunkReader
{
    // §5.3.1.3: a timestamp field of 0xFFFFFF means a 4-byte Extended Timestamp follows.
    private const uint ExtendedTimestampMarker = 0xFFFFFF;

    /// <summary>A message's first buffer; it doubles as chunks arrive, up to the declared length.</summary>
    private const int InitialMessageCapacity = 4096;

    private readonly RtmpLimits _limits;
    private readonly Dictionary<uint, RtmpChunkStreamState> _streams = [];
    private long _pendingBytes;

    public RtmpChunkReader(RtmpLimits limits)
    {
        _limits = limits;
    }

    /// <summary>The peer's current chunk size (§5.4.1: 128 until changed).</summary>
    public int ChunkSize { get; private set; } = 128;

    /// <summary>Bytes held in partly received messages: what arrived (rounded up by buffer growth), not what was declared.</summary>
    public long PendingBytes => _pendingBytes;

    /// <summary>
    /// Reads one whole chunk, or nothing when the buffer holds less than a chunk. On
    /// <see cref="RtmpChunkReadStatus.MessageComplete"/>, <paramref name="message"/> is the reassembled message.
    /// </summary>
    public RtmpChunkReadStatus TryReadChunk(ref SequenceReader<byte> reader, out RtmpMessage message)
    {
        var start = reader.Consumed;
        var status = TryReadChunkCore(ref reader, out message);
        if (status == RtmpChunkReadStatus.NeedMoreData)
        {
            reader.Rewind(reader.Consumed - start);
        }

        return status;
    }

    private RtmpChunkReadStatus TryReadChunkCore(ref SequenceReader<byte> reader, out RtmpMessage message)
    {
        message = default;

        // §5.3.1.1 Chunk Basic Header: fmt (2 bits) + chunk stream id in 1, 2 or 3 bytes.
        //  0 1 2 3 4 5 6 7
        // +-+-+-+-+-+-+-+-+
        // |fmt|   cs id   |
        // +-+-+-+-+-+-+-+-+
        if (!reader.TryRead(out var first))
        {
            return RtmpChunkReadStatus.NeedMoreData;
        }

        var fmt = first >> 6;
        uint chunkStreamId = first & 0x3Fu;
        if (chunkStreamId == 0)
        {
            if (!reader.TryRead(out var b1))
            {
                return RtmpChunkReadStatus.NeedMoreData;
            }

            chunkStreamId = 64u + b1;
        }
        else if (chunkStreamId == 1)
        {
            if (!reader.TryRead(out var b1) || !reader.TryRead(out var b2))
            {
                return RtmpChunkReadStatus.NeedMoreData;
            }

            chunkStreamId = 64u + b1 + (b2 * 256u);
        }

        _streams.TryGetValue(chunkStreamId, out var state);
        if (state is null)
        {
            // §5.3.1.2.1: the first chunk of a chunk stream carries a full (type 0) header.
            if (fmt != 0 || _streams.Count >= _limits.MaxChunkStreams)
            {
                return RtmpChunkReadStatus.Malformed;
            }
        }

        var midMessage = state is not null && state.Received > 0;
        if (midMessage && fmt != 3)
        {
            // A new message header while the previous message on this chunk stream is incomplete.
            return RtmpChunkReadStatus.Malformed;
        }

        // §5.3.1.2 Chunk Message Header: 11, 7, 3 or 0 bytes by fmt.
        uint timestampField = 0;
        var length = state?.Length ?? 0;
        var typeId = state?.TypeId ?? 0;
        var messageStreamId = state?.MessageStreamId ?? 0;
        Span<byte> header = stackalloc byte[11];
        var headerLength = fmt switch { 0 => 11, 1 => 7, 2 => 3, _ => 0 };
        if (!reader.TryCopyTo(header[..headerLength]))
        {
            return RtmpChunkReadStatus.NeedMoreData;
        }

        reader.Advance(headerLength);
        if (fmt <= 2)
        {
            timestampField = ReadUInt24(header);
        }

        if (fmt <= 1)
        {
            length = (int)ReadUInt24(header[3..]);
            typeId = header[6];
        }

        if (fmt == 0)
        {
            // §5.3.1.2.1: message stream id is little-endian.
            messageStreamId = BinaryPrimitives.ReadUInt32LittleEndian(header[7..]);
        }

        // §5.3.1.3: type 3 chunks repeat the extended timestamp when their chunk stream uses one.
        var extended = fmt == 3 ? state!.ExtendedTimestamp : timestampField == ExtendedTimestampMarker;
        var fieldValue = timestampField;
        if (extended)
        {
            if (!reader.TryReadBigEndian(out int value))
            {
                return RtmpChunkReadStatus.NeedMoreData;
            }

            fieldValue = (uint)value;
        }

        if (length > _limits.MaxMessageLength)
        {
            return RtmpChunkReadStatus.Malformed;
        }

        var received = midMessage ? state!.Received : 0;
        var size = Math.Min(ChunkSize, length - received);
        if (reader.Remaining < size)
        {
            return RtmpChunkReadStatus.NeedMoreData;
        }

        // The buffer grows with the chunks that arrived, never from the declared length alone: a peer that declares
        // 8 MiB and sends 100 bytes holds 4 KiB, not 8 MiB.
        var capacity = midMessage ? state!.Buffer!.Length : 0;
        var needed = received + size;
        var grown = needed <= capacity ? capacity : Math.Min(length, Math.Max(needed, Math.Max(capacity * 2, InitialMessageCapacity)));
        if (_pendingBytes + grown - capacity > _limits.MaxPendingBytes)
        {
            return RtmpChunkReadStatus.Malformed;
        }

        // The whole chunk is here: commit the header state.
        if (state is null)
        {
            state = new RtmpChunkStreamState();
            _streams.Add(chunkStreamId, state);
        }

        CommitHeader(state, fmt, midMessage, fieldValue, extended, length, typeId, messageStreamId);
        if (!midMessage)
        {
            state.Buffer = grown == 0 ? [] : new byte[grown];
            state.Received = 0;
        }
        else if (grown > capacity)
        {
            var buffer = state.Buffer;
            Array.Resize(ref buffer, grown);
            state.Buffer = buffer;
        }

        _pendingBytes += grown - capacity;

        reader.TryCopyTo(state.Buffer.AsSpan(state.Received, size));
        reader.Advance(size);
        state.Received += size;
        if (state.Received < state.Length)
        {
            return RtmpChunkReadStatus.ChunkConsumed;
        }

        message = new RtmpMessage(state.TypeId, state.Timestamp, state.MessageStreamId, state.Buffer);
        _pendingBytes -= state.Buffer!.Length;
        state.Buffer = null;
        state.Received = 0;
        return ApplyControl(message) ? RtmpChunkReadStatus.MessageComplete : RtmpChunkReadStatus.Malformed;
    }

    private static void CommitHeader(
        RtmpChunkStreamState state,
        int fmt,
        bool midMessage,
        uint fieldValue,
        bool extended,
        int length,
        byte typeId,
        uint messageStreamId)
    {
        switch (fmt)
        {
            case 0:
                // §5.3.1.2.1: absolute timestamp; a type 3 chunk starting the next message reuses it as delta.
                state.Timestamp = fieldValue;
                state.TimestampDelta = fieldValue;
                break;
            case 1:
            case 2:
                // §5.3.1.2.2/3: timestamp delta from the previous message on this chunk stream.
                state.TimestampDelta = fieldValue;
                state.Timestamp = unchecked(state.Timestamp + fieldValue);
                break;
            default:
                // §5.3.1.2.4: a type 3 chunk that starts a message repeats the previous delta.
                if (!midMessage)
                {
                    state.Timestamp = unchecked(state.Timestamp + state.TimestampDelta);
                }

                break;
        }

        state.HasHeader = true;
        state.ExtendedTimestamp = extended;
        state.Length = length;
        state.TypeId = typeId;
        state.MessageStreamId = messageStreamId;
    }

    private bool ApplyControl(in RtmpMessage message)
    {
        switch (message.Type)
        {
            case RtmpMessageType.SetChunkSize:
                {
                    // §5.4.1: 31-bit chunk size, the top bit must be 0; bounded by our own maximum.
                    if (message.Payload.Length < 4)
                    {
                        return false;
                    }

                    var size = BinaryPrimitives.ReadUInt32BigEndian(message.Payload.Span);
                    if (size == 0 || size > (uint)_limits.MaxChunkSize)
                    {
                        return false;
                    }

                    ChunkSize = (int)size;
                    return true;
                }

            case RtmpMessageType.Abort:
                {
                    // §5.4.2: discard the partly received message of the given chunk stream.
                    if (message.Payload.Length < 4)
                    {
                        return false;
                    }

                    var id = BinaryPrimitives.ReadUInt32BigEndian(message.Payload.Span);
                    if (_streams.TryGetValue(id, out var aborted) && aborted.Received > 0)
                    {
                        _pendingBytes -= aborted.Buffer!.Length;
                        aborted.Buffer = null;
                        aborted.Received = 0;
                    }

                    return true;
                }

            default:
                return true;
        }
    }

    private static uint ReadUInt24(ReadOnlySpan<byte> source) =>
        ((uint)source[0] << 16) | ((uint)source[1] << 8) | source[2];
}
