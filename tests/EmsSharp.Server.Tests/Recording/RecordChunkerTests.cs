using EmsSharp.Media.Hub;
using EmsSharp.Server.Recording;

namespace EmsSharp.Server.Tests.Recording;

/// <summary>Where chunks are cut: on the media clock, at a keyframe (audio frames for audio-only streams).</summary>
public sealed class RecordChunkerTests
{
    [Fact]
    public void A_chunk_ends_at_the_first_video_keyframe_at_least_chunk_length_after_its_start()
    {
        var chunker = new RecordChunker(2);
        var cuts = new List<int>();
        for (var i = 0; i < 300; i++)
        {
            // 30 fps, a keyframe every 25 frames; audio between the frames never cuts.
            if (chunker.ShouldCut(Video(i, i % 25 == 0), hasVideo: true, 48_000))
            {
                cuts.Add(i);
            }

            Assert.False(chunker.ShouldCut(new MediaFrame(TrackKind.Audio, MediaCodec.Aac, i * 1600L, i * 1600L, true, new byte[4]), true, 48_000));
        }

        Assert.Equal([75, 150, 225], cuts); // 2 s is frame 60, 135, 210: each waits for the next keyframe
    }

    [Fact]
    public void Zero_never_cuts_and_an_audio_only_stream_is_cut_on_audio()
    {
        var none = new RecordChunker(0);
        Assert.DoesNotContain(Enumerable.Range(0, 300), i => none.ShouldCut(Video(i, i % 30 == 0), true, 0));

        var audio = new RecordChunker(1);
        var cuts = Enumerable.Range(0, 100)
            .Where(i => audio.ShouldCut(new MediaFrame(TrackKind.Audio, MediaCodec.Aac, i * 1024L, i * 1024L, true, new byte[4]), false, 44_100))
            .ToList();
        Assert.Equal([44, 88], cuts); // 44100 / 1024 = 43.07 frames a second: 44 + 43.07 is past 87
    }

    private static MediaFrame Video(int index, bool key) =>
        new(TrackKind.Video, MediaCodec.H264, index * 3000L, index * 3000L, key, new byte[8]);
}
