using System.Buffers;
using CsCheck;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Protocols.Rtmp.Amf0;
using static EmsSharp.Protocols.Tests.Rtmp.RtmpClientScript;

namespace EmsSharp.Protocols.Tests.Rtmp;

/// <summary>Seeded CsCheck fuzzing of the AMF0 decoder, the chunk parser and the session: never throws.</summary>
public class RtmpFuzzTests
{
    private const string Seed = "0N0XIzNsQ0O2";

    [Fact]
    public void Amf0_decoder_never_throws_and_what_it_reads_reserializes_stably()
    {
        var markers = Gen.OneOf<byte>(0, 1, 2, 3, 5, 6, 8, 9, 10, 11, 12);
        var gen = Gen.Frequency((1, Gen.Byte.Array[0, 300]), (3, Gen.Select(markers, Gen.Byte.Array[0, 300], (m, rest) => (byte[])[m, .. rest])));
        gen.Sample(
            bytes =>
            {
                if (!Amf0Value.TryRead(bytes, out var value, out var consumed))
                {
                    return;
                }

                Assert.InRange(consumed, 1, bytes.Length);
                var once = Amf0ValueTests.Serialize(value);
                Assert.True(Amf0Value.TryRead(once, out var again, out _));
                Assert.Equal(once, Amf0ValueTests.Serialize(again));
            },
            seed: Seed,
            iter: 20_000,
            threads: 1);
    }

    [Fact]
    public void Chunk_writer_and_reader_agree_on_random_messages_and_chunk_sizes()
    {
        var message = Gen.Select(
            Gen.UInt[2, 400],
            Gen.OneOf(Gen.UInt[0, 100_000], Gen.UInt),
            Gen.Int[0, 3000],
            Gen.OneOf<byte>(8, 9, 18, 20),
            Gen.UInt[0, 3]);
        var gen = Gen.Select(message.Array[1, 12], Gen.Int[1, 5000], Gen.Int[1, 700]);
        gen.Sample(
            (messages, chunkSize, step) =>
            {
                var writer = new RtmpChunkWriter();
                var output = new ArrayBufferWriter<byte>();
                var body = new byte[4];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(body, (uint)chunkSize);
                writer.Write(output, 2, new RtmpMessage((byte)RtmpMessageType.SetChunkSize, 0, 0, body));
                writer.ChunkSize = chunkSize;
                var sent = new List<RtmpMessage>();
                foreach (var (chunkStream, timestamp, length, type, streamId) in messages)
                {
                    var m = RtmpChunkTestHelper.Message((RtmpMessageType)type, timestamp, streamId, length, (byte)length);
                    writer.Write(output, chunkStream, m);
                    sent.Add(m);
                }

                var (read, last) = RtmpChunkTestHelper.ReadAll(new RtmpChunkReader(RtmpLimits.Default), output.WrittenSpan.ToArray(), step);
                Assert.Equal(RtmpChunkReadStatus.NeedMoreData, last);
                Assert.Equal(sent.Count + 1, read.Count);
                for (var i = 0; i < sent.Count; i++)
                {
                    Assert.Equal(sent[i].Timestamp, read[i + 1].Timestamp);
                    Assert.Equal(sent[i].MessageStreamId, read[i + 1].MessageStreamId);
                    Assert.True(sent[i].Payload.Span.SequenceEqual(read[i + 1].Payload.Span));
                }
            },
            seed: Seed,
            iter: 500,
            threads: 1);
    }

    [Fact]
    public void Chunk_parser_never_throws_on_random_bytes()
    {
        Gen.Byte.Array[0, 2000].Sample(
            bytes =>
            {
                var limits = new RtmpLimits { MaxMessageLength = 4096, MaxPendingBytes = 16_384 };
                RtmpChunkTestHelper.ReadAll(new RtmpChunkReader(limits), bytes, Math.Max(1, bytes.Length / 3));
            },
            seed: Seed,
            iter: 20_000,
            threads: 1);
    }

    [Fact]
    public void Session_never_throws_on_a_mutated_publish()
    {
        var valid = new RtmpClientScript()
            .Handshake(new byte[1536])
            .Connect("live")
            .Publish("cam")
            .Data(1, S("@setDataFrame"), S("onMetaData"), Amf0Value.FromEcmaArray([new("width", N(640))]))
            .Message(RtmpMessageType.Video, 1, 0, [0x17, 0, 0, 0, 0, 1, 0x42, 0, 0x1E, 0xFF])
            .Message(RtmpMessageType.Audio, 1, 10, new byte[300])
            .Bytes;
        var mutation = Gen.Select(Gen.Int[3073, valid.Length - 1], Gen.Byte).Array[1, 8];
        mutation.Sample(
            changes =>
            {
                var bytes = (byte[])valid.Clone();
                foreach (var (position, value) in changes)
                {
                    bytes[position] = value;
                }

                var session = new RtmpServerSession(new RtmpLimits { MaxMessageLength = 65536 });
                var ok = session.HandleInput(new ReadOnlySequence<byte>(bytes), TimeSpan.Zero, out _);
                while (session.TryPollEvent(out var e))
                {
                    if (e.Kind == RtmpServerEventKind.PublishRequested)
                    {
                        session.AcceptPublish(e.MessageStreamId, e.StreamName!);
                    }
                }

                while (session.TryPollTransmit(out _))
                {
                }

                Assert.Equal(ok, session.State != RtmpSessionState.Failed);
            },
            seed: Seed,
            iter: 5_000,
            threads: 1);
    }
}
