using System.Globalization;
using EmsSharp.Media.Hub;

namespace EmsSharp.Interop.Tests.Ingest;

/// <summary>ffmpeg arguments and frame checks shared by the RTSP interop tests.</summary>
internal static class RtspTestMedia
{
    /// <summary>A test pattern with H.264 and the given audio encoder, for <paramref name="seconds"/>, to <paramref name="output"/>.</summary>
    public static string[] Arguments(int seconds, string audioCodec, params string[] output) =>
    [
        "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30", "-pix_fmt", "yuv420p",
        "-c:a", audioCodec, "-b:a", "64k",
        "-t", seconds.ToString(CultureInfo.InvariantCulture), .. output,
    ];

    /// <summary>Reads frames for <paramref name="duration"/> checking DTS monotonic per track; returns (video, audio, keyframes).</summary>
    public static async Task<(int Video, int Audio, int Keyframes)> ReadAsync(
        LiveStream stream, TimeSpan duration, MediaCodec audioCodec, Func<string> diagnostics)
    {
        using var reader = stream.CreateReader(8192);
        var deadline = DateTime.UtcNow + duration;
        long lastVideo = long.MinValue, lastAudio = long.MinValue;
        int video = 0, audio = 0, keyframes = 0;
        while (DateTime.UtcNow < deadline)
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            if (!await reader.WaitToReadAsync(wait.Token))
            {
                break;
            }

            while (reader.TryRead(out var frame))
            {
                if (frame.Kind == TrackKind.Video)
                {
                    Assert.Equal(MediaCodec.H264, frame.Codec);
                    Assert.True(frame.Dts > lastVideo, $"video DTS {frame.Dts} after {lastVideo}; {diagnostics()}");
                    Assert.True(frame.Pts >= frame.Dts);
                    lastVideo = frame.Dts;
                    video++;
                    keyframes += frame.IsKeyframe ? 1 : 0;
                }
                else
                {
                    Assert.Equal(audioCodec, frame.Codec);
                    Assert.True(frame.Dts > lastAudio, $"audio DTS {frame.Dts} after {lastAudio}");
                    lastAudio = frame.Dts;
                    audio++;
                }
            }
        }

        return (video, audio, keyframes);
    }
}
