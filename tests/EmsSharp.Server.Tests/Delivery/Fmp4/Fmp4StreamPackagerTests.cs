using EmsSharp.Media.Fmp4;
using EmsSharp.Media.Hub;
using EmsSharp.Server.Delivery.Fmp4;
using static EmsSharp.Server.Tests.Delivery.Fmp4.Fmp4TestStream;

namespace EmsSharp.Server.Tests.Delivery.Fmp4;

public sealed class Fmp4StreamPackagerTests
{
    private static readonly VideoTrackConfig Video = new(MediaCodec.H264, AvcC(), 1280, 720);
    private static readonly AudioTrackConfig Opus = new(MediaCodec.Opus, ReadOnlyMemory<byte>.Empty, 48_000, 2);
    private static readonly AudioTrackConfig Pcmu = new(MediaCodec.Pcmu, ReadOnlyMemory<byte>.Empty, 8000, 1);

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
        packager.Push(VideoFrame(0, key: true), Video, Pcmu);
        packager.Push(new MediaFrame(TrackKind.Audio, MediaCodec.Pcmu, 0, 0, true, new byte[160]), Video, Pcmu);
        packager.Push(VideoFrame(1, key: false), Video, Pcmu);

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

    [Fact]
    public void Opus_from_rtp_is_carried_in_an_opus_sample_entry_with_its_packets_in_the_audio_buffer()
    {
        var packager = new Fmp4StreamPackager();
        packager.Push(VideoFrame(0, key: true), Video, Opus);
        for (var i = 0; i < 4; i++)
        {
            // 10 ms Opus packets at 48 kHz, before the second 30 fps frame (3000 ticks of 90 kHz = 1600 of 48 kHz).
            packager.Push(new MediaFrame(TrackKind.Audio, MediaCodec.Opus, i * 480L, i * 480L, true, new byte[] { 0xFC, (byte)i }), Video, Opus);
        }

        packager.Push(VideoFrame(1, key: false), Video, Opus);

        Assert.True(packager.TryPollPacket(out var init));
        Assert.Equal(0xF0 | Fmp4StreamWriter.VideoMask | Fmp4StreamWriter.AudioMask, init.Bytes.Span[4]);
        Assert.True(init.Bytes.Span.IndexOf("dOps"u8) > 0);
        Assert.True(packager.TryPollPacket(out var fragment));
        Assert.Equal(0, packager.DroppedFrames);
        // The audio samples complete (the next one came) before the fragment's video end: three packets, back to back.
        Assert.Equal([0xFC, 0, 0xFC, 1, 0xFC, 2], AudioBuffer(fragment.Bytes.ToArray()));
    }

    private static byte[] AudioBuffer(byte[] fragment)
    {
        ReadOnlySpan<byte> rest = fragment;
        while (Fmp4StreamPacket.TryRead(rest, out var packet, out var consumed))
        {
            if (packet.Type == Fmp4StreamPacketType.AudioBuffer)
                return packet.Payload.ToArray();
            rest = rest[consumed..];
        }

        throw new InvalidOperationException("no audio in the fragment");
    }
}
