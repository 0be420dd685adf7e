using System.Buffers;
using System.Buffers.Binary;
using EmsSharp.Protocols.Rtmp;
using static EmsSharp.Protocols.Tests.Rtmp.RtmpChunkTestHelper;

namespace EmsSharp.Protocols.Tests.Rtmp;

public class RtmpChunkReaderTests
{
    public static TheoryData<string, bool, int[]> RoundTrips => new()
    {
        { "type 0 headers only, byte by byte", false, [1] },
        { "compressed headers (types 1, 2, 3)", true, [1, 7, 4096] },
        { "compressed headers, one write", true, [int.MaxValue] },
    };

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void Messages_round_trip_through_writer_and_reader(string name, bool compress, int[] steps)
    {
        var messages = new (uint, RtmpMessage)[]
        {
            (3, Message(RtmpMessageType.CommandAmf0, 0, 0, 300)),
            (6, Message(RtmpMessageType.Video, 0, 1, 5000)),
            (6, Message(RtmpMessageType.Video, 33, 1, 5000)),     // same length: type 2
            (6, Message(RtmpMessageType.Video, 66, 1, 5000)),     // same delta: type 3
            (6, Message(RtmpMessageType.Video, 100, 1, 10)),      // other length: type 1
            (4, Message(RtmpMessageType.Audio, 0, 1, 0)),         // empty message
            (4, Message(RtmpMessageType.Audio, 21, 1, 0)),
            (64, Message(RtmpMessageType.Audio, 5, 1, 400)),      // 2-byte basic header
            (320, Message(RtmpMessageType.Audio, 5, 1, 400)),     // 3-byte basic header
            (65599, Message(RtmpMessageType.Audio, 5, 1, 130)),
            // Extended timestamps (§5.3.1.3): absolute, then as a delta, then repeated in type 3 chunks.
            (7, Message(RtmpMessageType.Video, 0x01000000, 1, 1000)),
            (7, Message(RtmpMessageType.Video, 0x02000000, 1, 1000)),
            (7, Message(RtmpMessageType.Video, 0x03000000, 1, 1000)),
            (7, Message(RtmpMessageType.Video, 0xFFFFFFFF, 1, 129)),
            (8, Message(RtmpMessageType.Video, 0x00FFFFFF, 1, 300)),
        };
        var writer = new RtmpChunkWriter { CompressHeaders = compress };
        var bytes = Write(writer, messages);
        foreach (var step in steps)
        {
            var (read, last) = ReadAll(new RtmpChunkReader(RtmpLimits.Default), bytes, Math.Min(step, bytes.Length));
            Assert.Equal(RtmpChunkReadStatus.NeedMoreData, last);
            Assert.Equal(messages.Length, read.Count);
            for (var i = 0; i < messages.Length; i++)
            {
                var expected = messages[i].Item2;
                Assert.True(
                    expected.TypeId == read[i].TypeId && expected.Timestamp == read[i].Timestamp &&
                    expected.MessageStreamId == read[i].MessageStreamId &&
                    expected.Payload.Span.SequenceEqual(read[i].Payload.Span),
                    $"{name}: message {i} differs");
            }
        }
    }

    [Fact]
    public void Set_chunk_size_applies_to_the_following_chunks_both_ways()
    {
        var writer = new RtmpChunkWriter();
        var output = new ArrayBufferWriter<byte>();
        var sizes = new[] { 4096, 1, 60_000, 128 };
        var expected = new List<RtmpMessage>();
        foreach (var size in sizes)
        {
            var body = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(body, (uint)size);
            writer.Write(output, 2, new RtmpMessage((byte)RtmpMessageType.SetChunkSize, 0, 0, body));
            writer.ChunkSize = size;
            var video = Message(RtmpMessageType.Video, (uint)expected.Count * 40, 1, 9000);
            writer.Write(output, 6, video);
            expected.Add(video);
        }

        var reader = new RtmpChunkReader(RtmpLimits.Default);
        var (read, last) = ReadAll(reader, output.WrittenSpan.ToArray(), 333);
        Assert.Equal(RtmpChunkReadStatus.NeedMoreData, last);
        var media = read.Where(m => m.Type == RtmpMessageType.Video).ToList();
        Assert.Equal(expected.Count, media.Count);
        Assert.All(media.Zip(expected), p => Assert.True(p.First.Payload.Span.SequenceEqual(p.Second.Payload.Span)));
        Assert.Equal(128, reader.ChunkSize);
    }

    [Fact]
    public void Abort_discards_a_partial_message()
    {
        // A 300-byte message cut after its first 128-byte chunk, aborted, then a fresh one.
        var partial = Write(new RtmpChunkWriter { CompressHeaders = false }, (6, Message(RtmpMessageType.Video, 0, 1, 300)))[..(12 + 128)];
        var abort = Write(new RtmpChunkWriter(), (2, new RtmpMessage((byte)RtmpMessageType.Abort, 0, 0, new byte[] { 0, 0, 0, 6 })));
        var fresh = Write(new RtmpChunkWriter { CompressHeaders = false }, (6, Message(RtmpMessageType.Video, 40, 1, 10)));
        var (read, last) = ReadAll(new RtmpChunkReader(RtmpLimits.Default), [.. partial, .. abort, .. fresh], 1000);
        Assert.Equal(RtmpChunkReadStatus.NeedMoreData, last);
        Assert.Equal([RtmpMessageType.Abort, RtmpMessageType.Video], read.Select(m => m.Type));
        Assert.Equal(10, read[1].Payload.Length);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "type 1 header on a new chunk stream", "43 000000 000001 14 AA" },
        { "type 2 header on a new chunk stream", "83 000000 AA" },
        { "type 3 header on a new chunk stream", "C3 AA" },
        { "message longer than the limit", "03 000000 FFFFFF 09 01000000" },
        { "set chunk size 0x7FFFFFFF", "02 000000 000004 01 00000000 7FFFFFFF" },
        { "set chunk size 0", "02 000000 000004 01 00000000 00000000" },
        { "set chunk size with the top bit set", "02 000000 000004 01 00000000 80000080" },
        { "short set chunk size", "02 000000 000002 01 00000000 0080" },
        { "short abort", "02 000000 000001 02 00000000 06" },
        // A 200-byte message interrupted by a new type 0 header on its chunk stream.
        { "new header inside a message", "03 000000 0000C8 14 00000000" + new string('A', 256) + "03 000000 000001 14 00000000 AA" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_chunk_streams_are_rejected(string name, string hex)
    {
        var bytes = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
        var (_, last) = ReadAll(new RtmpChunkReader(RtmpLimits.Default), bytes, bytes.Length);
        Assert.True(last == RtmpChunkReadStatus.Malformed, name);
    }

    [Fact]
    public void Too_many_chunk_streams_and_too_many_pending_bytes_are_rejected()
    {
        var limits = new RtmpLimits { MaxChunkStreams = 4, MaxPendingBytes = 1000 };
        var streams = Enumerable.Range(3, 5).Select(id => ((uint)id, Message(RtmpMessageType.Audio, 0, 1, 2))).ToArray();
        var (read, last) = ReadAll(new RtmpChunkReader(limits), Write(new RtmpChunkWriter(), streams), 4096);
        Assert.Equal(RtmpChunkReadStatus.Malformed, last);
        Assert.Equal(4, read.Count);

        // Two partial 600-byte messages on two chunk streams exceed 1000 pending bytes.
        var first = Write(new RtmpChunkWriter(), (3, Message(RtmpMessageType.Video, 0, 1, 600)))[..140];
        var second = Write(new RtmpChunkWriter(), (4, Message(RtmpMessageType.Video, 0, 1, 600)))[..140];
        (_, last) = ReadAll(new RtmpChunkReader(limits), [.. first, .. second], 4096);
        Assert.Equal(RtmpChunkReadStatus.Malformed, last);
    }

    [Fact]
    public void A_declared_length_is_not_allocated_before_its_bytes_arrive()
    {
        // A peer declares an 8 MiB video message and sends its first 128-byte chunk only (issue: 8 MiB per message,
        // 16 MiB per connection from ~100 bytes sent).
        var whole = Write(new RtmpChunkWriter(), (3, Message(RtmpMessageType.Video, 0, 1, RtmpLimits.Default.MaxMessageLength)));
        var firstChunk = whole[..(12 + 128)];
        var reader = new RtmpChunkReader(RtmpLimits.Default);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var sequenceReader = new SequenceReader<byte>(new ReadOnlySequence<byte>(firstChunk));
        Assert.Equal(RtmpChunkReadStatus.ChunkConsumed, reader.TryReadChunk(ref sequenceReader, out _));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(reader.PendingBytes <= 4096, $"pending {reader.PendingBytes}");
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes for one chunk");

        // Sixteen such streams still fit far below the pending limit: memory follows the bytes received.
        var streams = Enumerable.Range(4, 16)
            .Select(id => Write(new RtmpChunkWriter(), ((uint)id, Message(RtmpMessageType.Video, 0, 1, 8_000_000)))[..140])
            .SelectMany(b => b).ToArray();
        var (_, last) = ReadAll(reader, streams, streams.Length);
        Assert.Equal(RtmpChunkReadStatus.NeedMoreData, last);
        Assert.True(reader.PendingBytes <= 17 * 4096, $"pending {reader.PendingBytes}");
    }

    [Fact]
    public void A_large_message_in_small_chunks_reassembles_whole_as_its_buffer_grows()
    {
        var message = Message(RtmpMessageType.Video, 40, 1, 300_001);
        var bytes = Write(new RtmpChunkWriter(), (6, message));
        var reader = new RtmpChunkReader(RtmpLimits.Default);
        var (read, _) = ReadAll(reader, bytes, 1000);
        var single = Assert.Single(read);
        Assert.Equal(message.Payload.ToArray(), single.Payload.ToArray());
        Assert.Equal(0, reader.PendingBytes);
    }

    [Fact]
    public void Incomplete_chunk_consumes_nothing()
    {
        var bytes = Write(new RtmpChunkWriter(), (3, Message(RtmpMessageType.Video, 0, 1, 100)));
        var reader = new RtmpChunkReader(RtmpLimits.Default);
        for (var length = 0; length < bytes.Length; length++)
        {
            var sequenceReader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes, 0, length));
            Assert.Equal(RtmpChunkReadStatus.NeedMoreData, reader.TryReadChunk(ref sequenceReader, out _));
            Assert.Equal(0, sequenceReader.Consumed);
        }
    }
}
