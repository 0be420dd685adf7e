using System.Buffers;
using EmsSharp.Protocols.Rtmp;

namespace EmsSharp.Protocols.Tests.Rtmp;

internal static class RtmpChunkTestHelper
{
    /// <summary>Feeds <paramref name="bytes"/> to a reader <paramref name="step"/> bytes at a time.</summary>
    public static (List<RtmpMessage> Messages, RtmpChunkReadStatus Last) ReadAll(
        RtmpChunkReader reader, byte[] bytes, int step)
    {
        var messages = new List<RtmpMessage>();
        var buffered = new List<byte>();
        var status = RtmpChunkReadStatus.NeedMoreData;
        for (var offset = 0; offset < bytes.Length; offset += step)
        {
            buffered.AddRange(bytes.AsSpan(offset, Math.Min(step, bytes.Length - offset)).ToArray());
            var sequence = new ReadOnlySequence<byte>(buffered.ToArray());
            var sequenceReader = new SequenceReader<byte>(sequence);
            while (true)
            {
                status = reader.TryReadChunk(ref sequenceReader, out var message);
                if (status == RtmpChunkReadStatus.MessageComplete)
                {
                    messages.Add(message);
                }
                else if (status != RtmpChunkReadStatus.ChunkConsumed)
                {
                    break;
                }
            }

            if (status == RtmpChunkReadStatus.Malformed)
            {
                return (messages, status);
            }

            buffered.RemoveRange(0, (int)sequenceReader.Consumed);
        }

        return (messages, status);
    }

    public static byte[] Write(RtmpChunkWriter writer, params (uint ChunkStream, RtmpMessage Message)[] messages)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var (chunkStream, message) in messages)
        {
            writer.Write(output, chunkStream, message);
        }

        return output.WrittenSpan.ToArray();
    }

    public static RtmpMessage Message(RtmpMessageType type, uint timestamp, uint streamId, int length, byte fill = 0xAB)
    {
        var payload = new byte[length];
        for (var i = 0; i < length; i++)
        {
            payload[i] = (byte)(fill + i);
        }

        return new RtmpMessage((byte)type, timestamp, streamId, payload);
    }
}
