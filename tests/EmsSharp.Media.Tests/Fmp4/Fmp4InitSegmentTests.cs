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
        var asc = Convert.ToHexString(audio.Config.Raw);
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
}
