using EmsSharp.Media.Hub;
using EmsSharp.Protocols.Rtcp;
using EmsSharp.Server.Delivery;
using EmsSharp.Server.Delivery.Rtp;
using EmsSharp.Server.Delivery.WebRtc;
using EmsSharp.WebRtc;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static EmsSharp.Server.Tests.Delivery.Fmp4.Fmp4TestStream;

namespace EmsSharp.Server.Tests.Delivery.WebRtc;

/// <summary>
/// One srtp viewer on real loopback UDP ports (the server's sends batched, <see cref="UdpBatchMode.Auto"/>): every
/// packet of an access unit arrives, and the viewer's counters say exactly what was sent.
/// </summary>
public sealed class SrtpMediaSenderTests
{
    [Fact]
    public async Task Every_packet_of_each_unit_arrives_and_is_counted_once_also_past_one_batch()
    {
        await using var peers = LoopbackPeerPair.Create();
        var hub = new StreamHub();
        Assert.True(hub.TryPublish("s", out var stream));
        stream.SetVideoTrack(new VideoTrackConfig(MediaCodec.H264, AvcC(), 1280, 720));
        // Replayed from the GOP cache: a keyframe of STAP-A + 5 FU-A, then a frame of 150 small NAL units, one
        // packet each, which is more than one batch holds (128).
        var keyframe = new byte[4 + 5000];
        keyframe[2] = 5000 >> 8;
        keyframe[3] = 5000 & 0xFF;
        keyframe[4] = 0x65;
        Assert.True(stream.Publish(new MediaFrame(TrackKind.Video, MediaCodec.H264, 0, 0, true, keyframe)));
        var slices = new byte[150 * 24];
        for (var i = 0; i < 150; i++)
        {
            slices[(i * 24) + 3] = 20;
            slices[(i * 24) + 4] = 0x41;
            slices[(i * 24) + 5] = (byte)i;
        }

        Assert.True(stream.Publish(new MediaFrame(TrackKind.Video, MediaCodec.H264, 3000, 3000, false, slices)));
        const int Expected = 6 + 150;

        using var sources = new RtpSourceManager(new DeliveryStats(TimeProvider.System), NullLogger<RtpStreamSource>.Instance);
        await using var transcoders = new AudioTranscoders(Options.Create(new WebRtcOptions()), NullLogger<AacOpusTranscoder>.Instance);
        var sender = new SrtpMediaSender(stream, sources, transcoders, "viewer", TimeProvider.System, NullLogger.Instance);
        var received = 0L;
        var receivedBytes = 0L;
        var arrived = new ChangeSignal();
        peers.Viewer.RtpOrRtcpReceived += (_, packet) =>
        {
            if (!RtcpPacketType.IsRtcp(packet))
            {
                Interlocked.Add(ref receivedBytes, packet.Length);
                Interlocked.Increment(ref received);
                arrived.Notify();
            }
        };
        sender.Start(peers.Server, await peers.ConnectAsync(sender.OfferOptions));
        await arrived.WaitUntilAsync(() => Interlocked.Read(ref received) >= Expected, "not every packet arrived");
        await sender.DisposeAsync(); // the send loop has ended: its counters are final

        Assert.Equal(Expected, Interlocked.Read(ref received));
        Assert.Equal(Expected, sender.Counters.Packets);
        Assert.Equal(Interlocked.Read(ref receivedBytes), sender.Counters.Bytes);
    }
}
