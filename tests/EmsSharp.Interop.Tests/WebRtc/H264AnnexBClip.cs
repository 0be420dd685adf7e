using System.Buffers.Binary;
using System.Diagnostics;
using EmsSharp.Media.H264;

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
        using var process = Process.Start(new ProcessStartInfo("/usr/bin/ffmpeg",
            $"-v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -t {seconds} -c:v libx264 -profile:v baseline "
            + $"-pix_fmt yuv420p -g 30 -bf 0 -f h264 \"{path}\"")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, "ffmpeg failed: " + await stderr);
        return Split(await File.ReadAllBytesAsync(path));
    }

    // ITU-T H.264 §7.4.1.2.3: a new access unit starts at a non-VCL NAL unit (SEI, SPS, PPS, AUD) after a slice,
    // or at a slice with first_mb_in_slice = 0 after a slice.
    private static H264AnnexBClip Split(byte[] stream)
    {
        byte[]? sps = null, pps = null;
        var units = new List<(byte[], bool)>();
        var current = new MemoryStream();
        bool hasSlice = false, isKey = false;
        Span<byte> length = stackalloc byte[4];
        foreach (var nal in new AnnexBNalEnumerator(stream))
        {
            var type = NalUnitHeader.GetType(nal[0]);
            var isVcl = NalUnitHeader.IsVcl(type);
            if (hasSlice && (!isVcl || NalUnitHeader.IsFirstSliceOfPicture(nal)))
            {
                units.Add((current.ToArray(), isKey));
                current.SetLength(0);
                hasSlice = isKey = false;
            }

            // Parameter sets are kept aside; the packetizer would drop in-band copies before a keyframe anyway.
            if (type == NalUnitType.Sps)
            {
                sps ??= nal.ToArray();
                continue;
            }

            if (type is NalUnitType.Pps)
            {
                pps ??= nal.ToArray();
                continue;
            }

            BinaryPrimitives.WriteInt32BigEndian(length, nal.Length);
            current.Write(length);
            current.Write(nal);
            hasSlice |= isVcl;
            isKey |= type == NalUnitType.IdrSlice;
        }

        if (hasSlice)
        {
            units.Add((current.ToArray(), isKey));
        }

        Assert.NotNull(sps);
        Assert.NotNull(pps);
        Assert.True(units[0].Item2, "the clip starts with an IDR access unit");
        return new H264AnnexBClip { Sps = sps, Pps = pps, AccessUnits = units };
    }
}
