using System.Diagnostics;
using EmsSharp.Interop.Tests.H264;
using EmsSharp.Media.Aac;
using EmsSharp.Media.Fmp4;
using EmsSharp.Media.H264;

namespace EmsSharp.Interop.Tests.Fmp4;

/// <summary>
/// An H.264 + AAC clip encoded by ffmpeg at test time, split into hub-shaped samples: AVCC access
/// units with 90 kHz DTS/PTS, raw AAC frames with DTS in samples.
/// </summary>
internal sealed class FfmpegClip
{
    public required byte[] AvcC { get; init; }

    public required byte[] AudioSpecificConfig { get; init; }

    public required List<(byte[] Data, bool IsKeyframe)> VideoFrames { get; init; }

    public required List<byte[]> AudioFrames { get; init; }

    public required int SampleRate { get; init; }

    public required int SamplesPerFrame { get; init; }

    /// <summary>Decode and presentation times of each video frame, in 90 kHz, decode order.</summary>
    public required List<(long Dts, long Pts)> VideoTimes { get; init; }

    /// <summary>
    /// Encodes with libx264 (<paramref name="bFrames"/> B-frames) and aac into an MP4, then copies the video
    /// out as Annex B (h264_mp4toannexb) and the audio as ADTS; ffprobe gives each video packet's DTS/PTS.
    /// </summary>
    public static async Task<FfmpegClip> EncodeAsync(string directory, int seconds, int fps, int bFrames)
    {
        var mp4 = Path.Combine(directory, "clip.mp4");
        var h264 = Path.Combine(directory, "clip.h264");
        var adts = Path.Combine(directory, "clip.adts");
        await RunAsync("/usr/bin/ffmpeg", $"-v error -y -f lavfi -i testsrc2=size=640x360:rate={fps} "
            + "-f lavfi -i sine=frequency=440:sample_rate=48000 "
            + $"-t {seconds} -c:v libx264 -profile:v high -pix_fmt yuv420p -g 60 -bf {bFrames} -c:a aac -b:a 96k -ac 2 -f mp4 \"{mp4}\"");
        await RunAsync("/usr/bin/ffmpeg", $"-v error -y -i \"{mp4}\" -map 0:v -c copy -bsf:v h264_mp4toannexb -f h264 \"{h264}\" "
            + $"-map 0:a -c copy -f adts \"{adts}\"");
        var probe = await RunAsync("/usr/bin/ffprobe",
            $"-v error -select_streams v:0 -show_entries packet=dts_time,pts_time -of csv=p=0 \"{mp4}\"");
        var times = new List<(long, long)>();
        foreach (var line in probe.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(',');
            var pts = double.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture);
            var dts = double.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            times.Add(((long)Math.Round(dts * 90000), (long)Math.Round(pts * 90000)));
        }

        var (avcC, frames) = SplitAnnexB(await File.ReadAllBytesAsync(h264));
        var (asc, audioFrames) = SplitAdts(await File.ReadAllBytesAsync(adts));
        Assert.Equal(frames.Count, times.Count);
        return new FfmpegClip
        {
            AvcC = avcC,
            AudioSpecificConfig = asc.Raw,
            VideoFrames = frames,
            VideoTimes = times,
            AudioFrames = audioFrames,
            SampleRate = asc.SamplingFrequency,
            SamplesPerFrame = asc.SamplesPerFrame,
        };
    }

    /// <summary>Runs <paramref name="file"/> to completion (60 s at most), asserts exit code 0 and returns its stdout.</summary>
    public static async Task<string> RunAsync(string file, string args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, $"{file} failed: {await stderr}");
        return await stdout;
    }

    /// <summary>
    /// Muxes the clip into the §4.2 packet stream, pushing samples interleaved by time. Also returns the
    /// HEADER_MOOV packet length and the offsets of fragments that start with a keyframe (where a viewer
    /// joining from a GOP cache would start).
    /// </summary>
    public (byte[] Stream, int InitLength, List<int> KeyframeOffsets) MuxToPacketStream()
    {
        Assert.True(Fmp4VideoTrack.TryCreate(AvcC, out var video));
        Assert.True(Fmp4AudioTrack.TryCreate(AudioSpecificConfig, out var audio));
        var muxer = new Fmp4Muxer(video, audio);
        using var output = new MemoryStream();
        var buffer = new byte[1 << 20];
        Assert.True(Fmp4StreamWriter.TryWriteInit(buffer, muxer, out var written));
        output.Write(buffer, 0, written);
        var keyframeOffsets = new List<int>();
        int v = 0, a = 0;
        while (v < VideoFrames.Count || a < AudioFrames.Count)
        {
            var videoTime = v < VideoFrames.Count ? VideoTimes[v].Dts / 90000.0 : double.MaxValue;
            var audioTime = a < AudioFrames.Count ? a * (double)SamplesPerFrame / SampleRate : double.MaxValue;
            if (videoTime <= audioTime)
            {
                var (data, key) = VideoFrames[v];
                muxer.PushVideo(data, VideoTimes[v].Dts, VideoTimes[v].Pts, key);
                v++;
            }
            else
            {
                muxer.PushAudio(AudioFrames[a], (long)a * SamplesPerFrame);
                a++;
            }

            Drain(muxer, output, buffer, keyframeOffsets);
        }

        muxer.Flush();
        Drain(muxer, output, buffer, keyframeOffsets);
        Assert.Equal(0, muxer.DroppedSamples);
        return (output.ToArray(), written, keyframeOffsets);
    }

    private static void Drain(Fmp4Muxer muxer, MemoryStream output, byte[] buffer, List<int> keyframeOffsets)
    {
        while (muxer.TryPollFragment(out var fragment))
        {
            if (fragment.StartsWithKeyframe)
            {
                keyframeOffsets.Add((int)output.Length);
            }

            Assert.True(Fmp4StreamWriter.TryWriteFragment(buffer, fragment, out var written));
            output.Write(buffer, 0, written);
        }
    }

    private static (byte[] AvcC, List<(byte[], bool)> Frames) SplitAnnexB(byte[] stream)
    {
        var (sps, pps, frames) = AnnexBAccessUnits.Split(stream);
        var record = new AvcDecoderConfigurationRecord([sps], [pps]);
        var avcC = new byte[record.GetSerializedLength()];
        Assert.True(record.TryWrite(avcC, out _));
        return (avcC, frames);
    }

    private static (AudioSpecificConfig Config, List<byte[]> Frames) SplitAdts(byte[] stream)
    {
        var frames = new List<byte[]>();
        AudioSpecificConfig? config = null;
        ReadOnlySpan<byte> rest = stream;
        while (rest.Length > 0)
        {
            Assert.True(AdtsHeader.TryStrip(rest, out var header, out var payload, out var frameLength));
            config ??= header.ToAudioSpecificConfig();
            frames.Add(payload.ToArray());
            rest = rest[frameLength..];
        }

        Assert.NotNull(config);
        return (config, frames);
    }
}
