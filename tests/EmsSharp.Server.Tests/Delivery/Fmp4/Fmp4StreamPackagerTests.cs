using EmsSharp.Media.Fmp4;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Fmp4;
using static EmsSharp.Server.Tests.Delivery.Fmp4.Fmp4TestStream;

namespace EmsSharp.Server.Tests.Delivery.Fmp4;

public sealed class Fmp4StreamPackagerTests
{
    private static readonly VideoTrackConfig Video = new(MediaCodec.H264, AvcC(), 1280, 720);
    private static readonly AudioTrackConfig Opus = new(MediaCodec.Opus, ReadOnlyMemory<byte>.Empty, 48_000, 2);

    [Fact]
    public void Frames_without_a_usable_track_are_dropped_and_counted()
    {
        var packager = new Fmp4StreamPackager();
        packager.Push(VideoFrame(0, key: true), null, null);
        Assert.Equal(1, packager.DroppedFrames);
        Assert.Null(packager.Init);

        var broken = new VideoTrackConfig(MediaCodec.H264, new byte[] { 1, 2, 3 }, 0, 0);
        packager.Push(VideoFrame(0, key: true), broken, null);
        Assert.Equal(2, packager.DroppedFrames);
        Assert.False(packager.TryPollPacket(out _));
    }

    [Fact]
    public void Video_with_an_unsupported_audio_codec_plays_video_only_and_drops_the_audio()
    {
        var packager = new Fmp4StreamPackager();
        packager.Push(VideoFrame(0, key: true), Video, Opus);
        packager.Push(new MediaFrame(TrackKind.Audio, MediaCodec.Opus, 0, 0, true, new byte[20]), Video, Opus);
        packager.Push(VideoFrame(1, key: false), Video, Opus);

        Assert.True(packager.TryPollPacket(out var init));
        Assert.True(init.IsInit);
        Assert.Equal(0xF0 | Fmp4StreamWriter.VideoMask, init.Bytes.Span[4]); // HEADER_MOOV flags: video only
        Assert.True(packager.TryPollPacket(out var fragment));
        Assert.True(fragment.StartsWithKeyframe);
        Assert.Equal((0, true), FirstVideo(fragment.Bytes.ToArray()));
        Assert.Equal(1, packager.DroppedFrames);
        Assert.Equal(1, packager.Fragments);
    }

    [Fact]
    public void Video_before_the_first_keyframe_is_dropped_and_the_first_fragment_starts_with_one()
    {
        var packager = new Fmp4StreamPackager();
        packager.Push(VideoFrame(0, key: false), Video, null);
        packager.Push(VideoFrame(1, key: true), Video, null);
        packager.Push(VideoFrame(2, key: false), Video, null);
        packager.Flush();

        Assert.True(packager.TryPollPacket(out var init));
        Assert.True(init.IsInit);
        Assert.True(packager.TryPollPacket(out var first));
        Assert.Equal((1, true), FirstVideo(first.Bytes.ToArray()));
        Assert.True(packager.TryPollPacket(out var second));
        Assert.False(second.StartsWithKeyframe);
        Assert.False(packager.TryPollPacket(out _));
        Assert.Equal(1, packager.DroppedFrames);
    }
}
