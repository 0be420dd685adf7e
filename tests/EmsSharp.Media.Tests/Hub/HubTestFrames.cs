using EmsSharp.Media.Hub;

namespace EmsSharp.Media.Tests.Hub;

internal static class HubTestFrames
{
    public static MediaFrame Video(long dts, bool key, int size = 100) =>
        new(TrackKind.Video, MediaCodec.H264, dts, dts, key, new byte[size]);

    public static MediaFrame Audio(long dts, int size = 20) =>
        new(TrackKind.Audio, MediaCodec.Aac, dts, dts, true, new byte[size]);

    public static LiveStream Publish(StreamHub hub, string name = "s")
    {
        Assert.True(hub.TryPublish(name, out var stream));
        stream.SetVideoTrack(new VideoTrackConfig(MediaCodec.H264, new byte[] { 1, 66, 0, 30 }, 640, 360));
        stream.SetAudioTrack(new AudioTrackConfig(MediaCodec.Aac, new byte[] { 0x11, 0x90 }, 48_000, 2));
        return stream;
    }

    public static List<MediaFrame> Drain(LiveStreamReader reader)
    {
        var frames = new List<MediaFrame>();
        while (reader.TryRead(out var frame))
        {
            frames.Add(frame);
        }

        return frames;
    }
}
