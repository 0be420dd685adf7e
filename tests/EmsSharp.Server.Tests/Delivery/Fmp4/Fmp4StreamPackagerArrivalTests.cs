using EmsSharp.Media.Fmp4;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Fmp4;
using static EmsSharp.Server.Tests.Delivery.Fmp4.Fmp4TestStream;

namespace EmsSharp.Server.Tests.Delivery.Fmp4;

/// <summary>Each fragment carries the hub arrival of its oldest frame, for the fmp4 latency of getDeliveryStats.</summary>
public sealed class Fmp4StreamPackagerArrivalTests
{
    [Fact]
    public void Fragments_carry_the_arrival_of_their_oldest_frame_and_the_init_none()
    {
        var stream = new StreamHub();
        Assert.True(stream.TryPublish("s", out var live));
        SetTracks(live);
        var packager = new Fmp4StreamPackager(new Fmp4MuxerOptions());
        var fragments = new List<Fmp4Packet>();
        for (var i = 0; i < 4; i++)
        {
            packager.Push(VideoFrame(i, key: i == 0) with { ArrivalTimestamp = 1_000 + i }, live.Video, live.Audio);
            while (packager.TryPollPacket(out var packet))
                fragments.Add(packet);
        }

        packager.Flush();
        while (packager.TryPollPacket(out var packet))
            fragments.Add(packet);

        Assert.True(fragments[0].IsInit);
        Assert.Equal(0, fragments[0].ArrivalTimestamp);
        Assert.Equal([1_000L, 1_001L, 1_002L, 1_003L], fragments.Skip(1).Select(f => f.ArrivalTimestamp));
    }
}
