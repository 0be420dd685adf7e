using EmsSharp.Interop.Tests.Fmp4;
using EmsSharp.Interop.Tests.H264;

namespace EmsSharp.Interop.Tests.WebRtc;

/// <summary>
/// A short baseline H.264 clip encoded by ffmpeg at test time (Annex B), split into AVCC access units with the
/// SPS and PPS kept aside (the packetizer sends them ahead of each keyframe in a STAP-A).
/// </summary>
internal sealed class H264AnnexBClip
{
    public required byte[] Sps { get; init; }

    public required byte[] Pps { get; init; }

    /// <summary>Access units in AVCC form (4-byte lengths), decode order = presentation order (no B-frames).</summary>
    public required List<(byte[] Avcc, bool IsKeyframe)> AccessUnits { get; init; }

    /// <summary>Runs the ffmpeg command (testsrc2 320x240 at 30 fps, libx264 baseline, GOP 30, no B-frames).</summary>
    public static async Task<H264AnnexBClip> EncodeAsync(string directory, int seconds)
    {
        var path = Path.Combine(directory, "out.h264");
        await FfmpegClip.RunAsync("/usr/bin/ffmpeg",
            $"-v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -t {seconds} -c:v libx264 -profile:v baseline "
            + $"-pix_fmt yuv420p -g 30 -bf 0 -f h264 \"{path}\"");
        return Split(await File.ReadAllBytesAsync(path));
    }

    private static H264AnnexBClip Split(byte[] stream)
    {
        // Parameter sets are kept aside; the packetizer would drop in-band copies before a keyframe anyway.
        var (sps, pps, units) = AnnexBAccessUnits.Split(stream);
        Assert.True(units[0].IsKeyframe, "the clip starts with an IDR access unit");
        return new H264AnnexBClip { Sps = sps, Pps = pps, AccessUnits = units };
    }
}
