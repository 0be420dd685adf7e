using System.Net;
using EmsSharp.Protocols.Rtmp;
using EmsSharp.Protocols.Rtmp.Amf0;
using EmsSharp.Protocols.Tests.Rtmp;
using static EmsSharp.Protocols.Tests.Rtmp.RtmpClientScript;

namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>
/// RTMP ingest (issue 12): an overlong stream name; messages whose declared length was allocated on their first chunk
/// (8 MiB per message, 16 MiB per connection from ~100 bytes); publishing without the key the operator configured.
/// </summary>
internal static class RtmpProbes
{
    private const int Pending = 0x7FFFFF; // just under Ingest:RtmpMaxMessageLength (8 MiB)
    private const int OverMax = 0xFFFFFF; // the most a chunk header can declare, 16 MiB - 1
    private const int HeldPerAddress = 31;
    private const int HeldAddresses = 2;
    private const int HeapBoundMegabytes = 64; // what the 62 connections would take from 4 of the 992 MiB they declare
    private const double CreateStreamTransaction = 9; // its answer shows the server read what came before

    public static IEnumerable<Probe> All => [LongName, DeclaredButNotSent, LongerThanTheMaximum, PublishKeys, Takeover];

    private static Probe LongName => new("RTMP: a 200,000-character stream name is refused and nothing is published", async (rig, token) =>
    {
        var name = new string('n', 200_000);
        var reply = await PublishAsync(rig, name, token);
        Assert.Equal("NetStream.Publish.BadName", reply.Code);
        Assert.Contains("longer than 256 characters", reply.Description, StringComparison.Ordinal);
        Assert.False(rig.Hub.TryGetStream(name, out _));
        return reply.Description!;
    });

    private static Probe DeclaredButNotSent => new(
        $"RTMP: {HeldPerAddress * HeldAddresses} connections each declaring two 8 MiB messages and sending 128 bytes of each: memory does not grow by what was declared",
        async (rig, token) =>
        {
            var before = MemorySample.Take();
            var held = new List<RtmpProbeClient>();
            try
            {
                for (var a = 0; a < HeldAddresses; a++)
                {
                    var from = rig.NextAttacker();
                    for (var i = 0; i < HeldPerAddress; i++)
                    {
                        var client = await RtmpProbeClient.ConnectAsync(rig.Rtmp, from, rig.Replies, token);
                        held.Add(client);
                        Assert.NotNull(await SendFirstChunksAsync(client, Pending, token)); // answered: both declarations were read
                    }
                }

                var holding = MemorySample.Take();
                await NormalClients.Rtmp.ServeAsync(rig, token);
                var heap = holding.GcHeap - before.GcHeap;
                Assert.True(heap < HeapBoundMegabytes * MemorySample.Megabyte, $"GC heap {MemorySample.Growth(heap)} while {held.Count} connections declared 16 MiB each");
                return $"GC heap {MemorySample.Growth(heap)}, RSS {MemorySample.Growth(holding.WorkingSet - before.WorkingSet)} " +
                    $"(bound {HeapBoundMegabytes} MB; {held.Count * 16} MiB declared)";
            }
            finally
            {
                foreach (var client in held)
                    await client.DisposeAsync();
            }
        });

    private static Probe LongerThanTheMaximum => new("RTMP: a message declaring 16 MiB (over the 8 MiB maximum) closes the connection", async (rig, token) =>
    {
        await using var client = await RtmpProbeClient.ConnectAsync(rig.Rtmp, rig.NextAttacker(), rig.Replies, token);
        Assert.Null(await SendFirstChunksAsync(client, OverMax, token));
        return "closed before the next command was answered";
    });

    private static Probe PublishKeys => new(
        $"RTMP: with Ingest:PublishKeys set, publishing {AdversarialRig.KeyedStream} without its key, with a wrong one, or an unkeyed name is refused with a log line; with the key it publishes",
        async (rig, token) =>
        {
            var refusals = new List<string>();
            foreach (var (requested, reason) in new[]
            {
                (AdversarialRig.KeyedStream, "publish credentials are required"),
                (AdversarialRig.KeyedStream + "?key=guess", "wrong publish key or user/password"),
                ("unkeyed", "no publish credentials are configured for stream unkeyed"),
            })
            {
                var reply = await PublishAsync(rig, requested, token);
                Assert.Equal("NetStream.Publish.BadName", reply.Code);
                Assert.Contains(reason, reply.Description, StringComparison.Ordinal);
                Assert.Contains($"refused: {reason}", rig.Rig.Log.Tail(20), StringComparison.Ordinal); // logged before the reply
                refusals.Add(reason);
            }

            Assert.False(rig.Hub.TryGetStream(AdversarialRig.KeyedStream, out _));
            await using var publisher = await RtmpProbeClient.ConnectAsync(rig.Rtmp, IPAddress.Loopback, rig.Replies, token);
            var accepted = await PublishAsync(publisher, $"{AdversarialRig.KeyedStream}?key={AdversarialRig.PublishKey}", token);
            Assert.Equal("NetStream.Publish.Start", accepted.Code);
            Assert.True(rig.Hub.TryGetStream(AdversarialRig.KeyedStream, out _));
            return $"refused: {string.Join("; ", refusals)}; with the key: {accepted.Code}";
        });

    private static Probe Takeover => new(
        $"RTMP: a publisher without the key cannot take {AdversarialRig.KeyedStream} from its holder; one with the same key takes it over at once and the stale connection is closed",
        async (rig, token) =>
        {
            var keyed = $"{AdversarialRig.KeyedStream}?key={AdversarialRig.PublishKey}";
            await using var stale = await RtmpProbeClient.ConnectAsync(rig.Rtmp, rig.NextAttacker(), rig.Replies, token);
            Assert.Equal("NetStream.Publish.Start", (await PublishAsync(stale, keyed, token)).Code);
            Assert.True(rig.Hub.TryGetStream(AdversarialRig.KeyedStream, out var held));

            var hijack = await PublishAsync(rig, AdversarialRig.KeyedStream + "?key=guess", token);
            Assert.Equal("NetStream.Publish.BadName", hijack.Code);
            Assert.False(held.IsClosed, "a wrong key ended the holder's stream");

            await using var reconnected = await RtmpProbeClient.ConnectAsync(rig.Rtmp, rig.NextAttacker(), rig.Replies, token);
            Assert.Equal("NetStream.Publish.Start", (await PublishAsync(reconnected, keyed, token)).Code);
            Assert.True(held.IsClosed);
            Assert.True(rig.Hub.TryGetStream(AdversarialRig.KeyedStream, out var current) && !ReferenceEquals(held, current));
            Assert.Null(await stale.ReadReplyAsync(static _ => false, token)); // the server closed the stale publisher
            return "wrong key: BadName, holder kept; same key: took over, stale connection closed";
        });

    /// <summary>Connects from a new attacker address and publishes <paramref name="name"/>; the publish reply.</summary>
    private static async Task<RtmpReply> PublishAsync(AdversarialRig rig, string name, CancellationToken token)
    {
        await using var client = await RtmpProbeClient.ConnectAsync(rig.Rtmp, rig.NextAttacker(), rig.Replies, token);
        return await PublishAsync(client, name, token);
    }

    private static async Task<RtmpReply> PublishAsync(RtmpProbeClient client, string name, CancellationToken token)
    {
        await client.SendAsync(new RtmpClientScript().Handshake(new byte[1536]).Connect("live").Publish(name).Bytes, token);
        var reply = await client.ReadReplyAsync(r => r.Code?.StartsWith("NetStream.Publish.", StringComparison.Ordinal) == true, token);
        Assert.NotNull(reply);
        return reply;
    }

    /// <summary>
    /// After connect, the first chunk (128 bytes, the default chunk size) of two video messages declaring
    /// <paramref name="length"/> bytes, on chunk streams 6 and 7, then a whole createStream: its answer (null when the
    /// connection was closed instead) shows the server read both declarations. One write, so that a server closing at the
    /// first declaration cannot fail a second.
    /// </summary>
    private static async Task<RtmpReply?> SendFirstChunksAsync(RtmpProbeClient client, int length, CancellationToken token)
    {
        var script = new RtmpClientScript().Handshake(new byte[1536]).Connect("live");
        var connect = script.Bytes;
        var createStream = script.Command(0, S("createStream"), N(CreateStreamTransaction), Amf0Value.Null).Bytes[connect.Length..];
        try
        {
            await client.SendAsync((byte[])[.. connect, .. FirstChunk(6, length), .. FirstChunk(7, length), .. createStream], token);
        }
        catch (IOException)
        {
            return null; // closed (and reset) already
        }

        return await client.ReadReplyAsync(r => r.Command == "_result" && r.Transaction == CreateStreamTransaction, token);
    }

    /// <summary>A type 0 chunk (RTMP 1.0 §5.3.1.2.1) of a video message of <paramref name="length"/> bytes, 128 of them.</summary>
    private static byte[] FirstChunk(byte chunkStream, int length)
    {
        var chunk = new byte[12 + 128];
        chunk[0] = chunkStream; // fmt 0
        chunk[4] = (byte)(length >> 16);
        chunk[5] = (byte)(length >> 8);
        chunk[6] = (byte)length;
        chunk[7] = (byte)RtmpMessageType.Video; // timestamp and message stream id stay 0
        return chunk;
    }
}
