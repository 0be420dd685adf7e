using System.Diagnostics;
using EmsSharp.Media.Aac;
using EmsSharp.Media.Fmp4;
using EmsSharp.Media.H264;

namespace EmsSharp.Interop.Tests.Fmp4;

/// <summary>
/// An H.264 + AAC clip encoded by ffmpeg at test time (Annex B .h264 and .adts, no B-frames), split
/// into hub-shaped samples: AVCC access units with 90 kHz DTS = PTS, raw AAC frames with DTS in samples.
/// </summary>
internal sealed class FfmpegClip
{
    public required byte[] AvcC { get; init; }

    public required byte[] AudioSpecificConfig { get; init; }

    public required List<(byte[] Data, bool IsKeyframe)> VideoFrames { get; init; }

    public required List<byte[]> AudioFrames { get; init; }

    public required int SampleRate { get; init; }

    public required int SamplesPerFrame { get; init; }

    public static async Task<FfmpegClip> EncodeAsync(string directory, int seconds, int fps)
    {
        var h264 = Path.Combine(directory, "clip.h264");
        var adts = Path.Combine(directory, "clip.adts");
        var args = $"-v error -y -f lavfi -i testsrc2=size=640x360:rate={fps} -f lavfi -i sine=frequency=440:sample_rate=48000 "
            + $"-map 0:v -t {seconds} -c:v libx264 -profile:v high -pix_fmt yuv420p -g 60 -bf 0 -f h264 \"{h264}\" "
            + $"-map 1:a -t {seconds} -c:a aac -b:a 96k -ac 2 -f adts \"{adts}\"";
        using (var ffmpeg = Process.Start(new ProcessStartInfo("/usr/bin/ffmpeg", args) { RedirectStandardError = true })!)
        {
            var stderr = ffmpeg.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await ffmpeg.WaitForExitAsync(cts.Token);
            Assert.True(ffmpeg.ExitCode == 0, "ffmpeg failed: " + await stderr);
        }

        var (avcC, frames) = SplitAnnexB(await File.ReadAllBytesAsync(h264));
        var (asc, audioFrames) = SplitAdts(await File.ReadAllBytesAsync(adts));
        return new FfmpegClip
        {
            AvcC = avcC,
            AudioSpecificConfig = asc.Raw,
            VideoFrames = frames,
            AudioFrames = audioFrames,
            SampleRate = asc.SamplingFrequency,
            SamplesPerFrame = asc.SamplesPerFrame,
        };
    }

    /// <summary>Muxes the clip into the §4.2 packet stream, pushing samples interleaved by time.</summary>
    public byte[] MuxToPacketStream(int fps)
    {
        Assert.True(Fmp4VideoTrack.TryCreate(AvcC, out var video));
        Assert.True(Fmp4AudioTrack.TryCreate(AudioSpecificConfig, out var audio));
        var muxer = new Fmp4Muxer(video, audio);
        using var output = new MemoryStream();
        var buffer = new byte[1 << 20];
        Assert.True(Fmp4StreamWriter.TryWriteInit(buffer, muxer, out var written));
        output.Write(buffer, 0, written);
        var frameTicks = 90000L / fps;
        int v = 0, a = 0;
        while (v < VideoFrames.Count || a < AudioFrames.Count)
        {
            var videoTime = v < VideoFrames.Count ? v * frameTicks / 90000.0 : double.MaxValue;
            var audioTime = a < AudioFrames.Count ? a * (double)SamplesPerFrame / SampleRate : double.MaxValue;
            if (videoTime <= audioTime)
            {
                var (data, key) = VideoFrames[v];
                muxer.PushVideo(data, v * frameTicks, v * frameTicks, key);
                v++;
            }
            else
            {
                muxer.PushAudio(AudioFrames[a], (long)a * SamplesPerFrame);
                a++;
            }

            Drain(muxer, output, buffer);
        }

        muxer.Flush();
        Drain(muxer, output, buffer);
        Assert.Equal(0, muxer.DroppedSamples);
        return output.ToArray();
    }

    private static void Drain(Fmp4Muxer muxer, MemoryStream output, byte[] buffer)
    {
        while (muxer.TryPollFragment(out var fragment))
        {
            Assert.True(Fmp4StreamWriter.TryWriteFragment(buffer, fragment, out var written));
            output.Write(buffer, 0, written);
        }
    }

    // Groups NAL units into access units (ITU-T H.264 §7.4.1.2.3): a new one starts at an AUD/SPS/PPS/SEI
    // after a slice, or at a slice with first_mb_in_slice = 0 after a slice.
    private static (byte[] AvcC, List<(byte[], bool)> Frames) SplitAnnexB(byte[] stream)
    {
        byte[]? sps = null, pps = null;
        var frames = new List<(byte[], bool)>();
        var current = new MemoryStream();
        bool hasSlice = false, isKey = false;
        var length = new byte[4];
        void Close()
        {
            if (hasSlice)
            {
                frames.Add((current.ToArray(), isKey));
            }

            current.SetLength(0);
            hasSlice = false;
            isKey = false;
        }

        foreach (var nal in new AnnexBNalEnumerator(stream))
        {
            var type = NalUnitHeader.GetType(nal[0]);
            var isVcl = NalUnitHeader.IsVcl(type);
            if (hasSlice && (!isVcl || NalUnitHeader.IsFirstSliceOfPicture(nal)))
            {
                Close();
            }

            switch (type)
            {
                case NalUnitType.Sps:
                    sps ??= nal.ToArray();
                    continue;
                case NalUnitType.Pps:
                    pps ??= nal.ToArray();
                    continue;
                case NalUnitType.AccessUnitDelimiter:
                    continue;
            }

            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, nal.Length);
            current.Write(length);
            current.Write(nal);
            hasSlice |= isVcl;
            isKey |= type == NalUnitType.IdrSlice;
        }

        Close();
        Assert.NotNull(sps);
        Assert.NotNull(pps);
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
