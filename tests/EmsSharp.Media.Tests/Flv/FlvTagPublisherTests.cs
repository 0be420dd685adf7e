using EmsSharp.Media.Flv;
using EmsSharp.Media.Hub;
using static EmsSharp.Media.Tests.Flv.FlvTestData;

namespace EmsSharp.Media.Tests.Flv;

public class FlvTagPublisherTests
{
    [Fact]
    public void Avc_and_aac_tags_become_tracks_and_frames()
    {
        var hub = new StreamHub();
        Assert.True(hub.TryPublish("s", out var stream));
        var publisher = new FlvTagPublisher(stream);
        using var reader = stream.CreateReader(64);

        publisher.SetDimensions(640, 360);
        Assert.True(publisher.PublishVideo(0, VideoBody(1, 0, 0, AvcC)));
        Assert.True(publisher.PublishAudio(0, AudioBody(10, 0, Asc)));
        Assert.Equal(AvcC, stream.Video!.DecoderConfiguration.ToArray());
        Assert.Equal((640, 360), (stream.Video.Width, stream.Video.Height));
        Assert.Equal((MediaCodec.Aac, 48_000, 2), (stream.Audio!.Codec, stream.Audio.SampleRate, stream.Audio.Channels));

        // SPS, PPS, IDR: a keyframe; composition time 66 ms → PTS.
        var idr = VideoBody(1, 1, 66, AccessUnit(0x67, 0x68, 0x65));
        Assert.True(publisher.PublishVideo(1000, idr));
        Assert.True(publisher.PublishVideo(1033, VideoBody(2, 1, 0, AccessUnit(0x41))));

        // AAC at 0, 21, 43, 64 ms: the sample count (1024 per frame) wins over millisecond rounding.
        foreach (var ms in new[] { 0L, 21, 43, 64 })
        {
            Assert.True(publisher.PublishAudio(ms, AudioBody(10, 1, [0x21, 0x10, 0x04])));
        }

        var frames = new List<MediaFrame>();
        while (reader.TryRead(out var frame))
        {
            frames.Add(frame);
        }

        var video = frames.Where(f => f.Kind == TrackKind.Video).ToList();
        Assert.Equal(2, video.Count);
        Assert.True(video[0].IsKeyframe);
        Assert.Equal((90_000L, 95_940L), (video[0].Dts, video[0].Pts));
        Assert.Equal(AccessUnit(0x67, 0x68, 0x65), video[0].Payload.ToArray());
        Assert.False(video[1].IsKeyframe);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(video[0].Payload, out var segment));
        Assert.Equal(5, segment.Offset); // a slice of the tag body, not a copy

        var audio = frames.Where(f => f.Kind == TrackKind.Audio).Select(f => f.Dts).ToList();
        Assert.Equal([0L, 1024, 2048, 3072], audio);
        Assert.Equal(0, publisher.DroppedTags);
        stream.Dispose();
    }

    [Fact]
    public void G711_tags_set_the_track_and_count_samples()
    {
        var hub = new StreamHub();
        Assert.True(hub.TryPublish("s", out var stream));
        var publisher = new FlvTagPublisher(stream);
        using var reader = stream.CreateReader(8);
        byte[] body = [0x82, .. new byte[160]];
        Assert.True(publisher.PublishAudio(0, body));
        Assert.True(publisher.PublishAudio(20, body));
        Assert.Equal((MediaCodec.Pcmu, 8000, 1), (stream.Audio!.Codec, stream.Audio.SampleRate, stream.Audio.Channels));
        Assert.True(reader.TryRead(out var first));
        Assert.True(reader.TryRead(out var second));
        Assert.Equal((0L, 160L), (first.Dts, second.Dts));
        stream.Dispose();
    }

    public static TheoryData<string, bool, byte[]> Dropped => new()
    {
        { "empty video body", true, [] },
        { "VP6 video", true, [0x14, 0, 0, 0, 0] },
        { "enhanced RTMP header", true, [0x90, 0x68, 0x76, 0x63, 0x31] },
        { "avcC with 2-byte NAL lengths", true, VideoBody(1, 0, 0, [1, 0x42, 0, 0x1E, 0xFD, 0xE1, 0]) },
        { "avcC of the wrong version", true, VideoBody(1, 0, 0, [2, 0x42, 0, 0x1E, 0xFF, 0xE1, 0]) },
        { "NALU before any sequence header", true, VideoBody(1, 1, 0, AccessUnit(0x65)) },
        { "MP3 audio", false, [0x2F, 1, 2] },
        { "AAC frame before its config", false, AudioBody(10, 1, [1, 2]) },
        { "AAC config with a reserved rate index", false, AudioBody(10, 0, [0x16, 0x90]) },
        { "AAC config too short", false, AudioBody(10, 0, [0x11]) },
    };

    [Theory]
    [MemberData(nameof(Dropped))]
    public void Unsupported_or_malformed_tags_are_dropped_and_counted(string name, bool isVideo, byte[] body)
    {
        var hub = new StreamHub();
        Assert.True(hub.TryPublish("s", out var stream));
        var publisher = new FlvTagPublisher(stream);
        Assert.False(isVideo ? publisher.PublishVideo(0, body) : publisher.PublishAudio(0, body), name);
        Assert.Equal(1, publisher.DroppedTags);
        stream.Dispose();
    }

    [Theory]
    [InlineData("length past the end", new byte[] { 0, 0, 0, 9, 0x65, 1 })]
    [InlineData("zero length", new byte[] { 0, 0, 0, 0, 0x65 })]
    [InlineData("truncated length", new byte[] { 0, 0, 0 })]
    public void Malformed_access_units_are_dropped(string name, byte[] accessUnit)
    {
        var hub = new StreamHub();
        Assert.True(hub.TryPublish("s", out var stream));
        var publisher = new FlvTagPublisher(stream);
        Assert.True(publisher.PublishVideo(0, VideoBody(1, 0, 0, AvcC)));
        Assert.False(publisher.PublishVideo(0, VideoBody(1, 1, 0, accessUnit)), name);
        stream.Dispose();
    }
}
