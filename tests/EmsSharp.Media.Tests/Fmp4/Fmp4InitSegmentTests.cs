using EmsSharp.Media.Fmp4;

namespace EmsSharp.Media.Tests.Fmp4;

public class Fmp4InitSegmentTests
{
    [Fact]
    public void Builds_ftyp_and_moov_with_both_tracks()
    {
        var video = Fmp4TestData.Video();
        var audio = Fmp4TestData.Audio();
        var init = Fmp4InitSegment.Build(video, audio);
        var boxes = BoxTree.Parse(init, 0, init.Length);
        Assert.Equal(["ftyp", "moov"], boxes.Select(b => b.Type));
        Assert.Equal("iso5", System.Text.Encoding.ASCII.GetString(boxes[0].Body[..4]));

        var moov = boxes[1];
        Assert.Equal(["mvhd", "trak", "trak", "mvex"], moov.Children.Select(b => b.Type));
        Assert.Equal(3u, moov.Child("mvhd").U32(96)); // next_track_ID ends the v0 body

        var traks = moov.All("trak").ToList();
        var videoStbl = traks[0].Child("mdia").Child("minf").Child("stbl");
        Assert.Equal(1u, traks[0].Child("tkhd").U32(12)); // track_ID
        Assert.Equal(90000u, traks[0].Child("mdia").Child("mdhd").U32(12));
        Assert.Equal(1280u << 16, traks[0].Child("tkhd").U32(76));
        Assert.Equal(720u << 16, traks[0].Child("tkhd").U32(80));
        Assert.NotNull(traks[0].Child("mdia").Child("minf").Child("vmhd"));
        var stsd = videoStbl.Child("stsd");
        var avc1 = BoxTree.Parse(init, stsd.Offset + 16, stsd.Offset + stsd.Size).Single();
        Assert.Equal("avc1", avc1.Type);
        var avcC = BoxTree.Parse(init, avc1.Offset + 86, avc1.Offset + avc1.Size).Single();
        Assert.Equal("avcC", avcC.Type);
        Assert.Equal(video.AvcC, avcC.Body.ToArray());

        var audioTrak = traks[1];
        Assert.Equal(2u, audioTrak.Child("tkhd").U32(12));
        Assert.Equal(48000u, audioTrak.Child("mdia").Child("mdhd").U32(12));
        var audioStsd = audioTrak.Child("mdia").Child("minf").Child("stbl").Child("stsd");
        var mp4a = BoxTree.Parse(init, audioStsd.Offset + 16, audioStsd.Offset + audioStsd.Size).Single();
        Assert.Equal("mp4a", mp4a.Type);
        var esds = BoxTree.Parse(init, mp4a.Offset + 36, mp4a.Offset + mp4a.Size).Single();
        Assert.Equal("esds", esds.Type);
        var body = esds.Body.ToArray();
        var asc = Convert.ToHexString(audio.Aac!.Raw);
        Assert.Contains("05" + "02" + asc, Convert.ToHexString(body), StringComparison.Ordinal);
        Assert.Equal(0x03, body[4]);
        Assert.Equal(body.Length - 6, body[5]); // ES_Descriptor length covers the rest

        Assert.Equal([1u, 2u], moov.Child("mvex").All("trex").Select(t => t.U32(4)));
    }

    [Fact]
    public void Builds_single_track_segments()
    {
        var audioOnly = Fmp4InitSegment.Build(null, Fmp4TestData.Audio());
        var moov = BoxTree.Parse(audioOnly, 0, audioOnly.Length)[1];
        Assert.Single(moov.All("trak"));
        Assert.NotNull(moov.Child("trak").Child("mdia").Child("minf").Child("smhd"));
        Assert.Throws<ArgumentException>(() => Fmp4InitSegment.Build(null, null));
    }

    [Fact]
    public void Opus_without_a_header_is_an_opus_sample_entry_with_the_webrtc_dops()
    {
        Assert.True(Fmp4AudioTrack.TryCreateOpus([], 2, out var opus));
        Assert.Equal("opus", opus.CodecString);
        var init = Fmp4InitSegment.Build(Fmp4TestData.Video(), opus);
        var trak = BoxTree.Parse(init, 0, init.Length)[1].All("trak").Last();
        Assert.Equal(48000u, trak.Child("mdia").Child("mdhd").U32(12)); // the timescale

        var stsd = trak.Child("mdia").Child("minf").Child("stbl").Child("stsd");
        var entry = BoxTree.Parse(init, stsd.Offset + 16, stsd.Offset + stsd.Size).Single();
        Assert.Equal("Opus", entry.Type);
        // §4.3.1 (AudioSampleEntry, ISO/IEC 14496-12 §12.2.3): reserved[6], data_reference_index 1, reserved[8],
        // channelcount 2, samplesize 16, pre_defined and reserved 0, samplerate 48000 << 16.
        Assert.Equal("000000000000" + "0001" + "0000000000000000" + "0002" + "0010" + "00000000" + "BB800000",
            Convert.ToHexString(entry.Body[..28]));
        var dOps = BoxTree.Parse(init, entry.Offset + 36, entry.Offset + entry.Size).Single();
        Assert.Equal("dOps", dOps.Type);
        // §4.3.2: Version 0, OutputChannelCount 2, PreSkip 312, InputSampleRate 48000, OutputGain 0, family 0; big-endian.
        Assert.Equal("00" + "02" + "0138" + "0000BB80" + "0000" + "00", Convert.ToHexString(dOps.Body));
    }

    [Fact]
    public void Opus_with_a_header_carries_its_pre_skip_gain_and_channel_mapping_table()
    {
        // OpusHead (RFC 7845 §5.1, little-endian): 3 channels, pre-skip 256, 44100 Hz, gain -1 dB, family 1, 2 streams,
        // 1 coupled, mapping 0 2 1.
        var head = Convert.FromHexString("4F7075734865616401030001" + "44AC0000" + "00FF" + "01" + "0201" + "000201");
        Assert.True(Fmp4AudioTrack.TryCreateOpus(head, 2, out var opus));
        var init = Fmp4InitSegment.Build(null, opus);
        var stsd = BoxTree.Parse(init, 0, init.Length)[1].Child("trak").Child("mdia").Child("minf").Child("stbl").Child("stsd");
        var entry = BoxTree.Parse(init, stsd.Offset + 16, stsd.Offset + stsd.Size).Single();
        Assert.Equal((ushort)3, System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(entry.Body[16..])); // channelcount = OutputChannelCount
        var dOps = BoxTree.Parse(init, entry.Offset + 36, entry.Offset + entry.Size).Single();
        Assert.Equal("00" + "03" + "0100" + "0000AC44" + "FF00" + "01" + "02" + "01" + "000201", Convert.ToHexString(dOps.Body));
    }

    [Theory]
    [InlineData("", 3)] // no header, and more channels than family 0 (all WebRTC gives) has
    [InlineData("", 0)]
    [InlineData("4F707573546167730102380180BB0000000000", 2)] // a header that is not an OpusHead
    public void Opus_tracks_need_a_usable_header_or_one_or_two_channels(string head, int channels) =>
        Assert.False(Fmp4AudioTrack.TryCreateOpus(Convert.FromHexString(head), channels, out _));
}
