using EmsSharp.Media.Fmp4;
using EmsSharp.Tests.Shared;

namespace EmsSharp.Media.Tests.Fmp4;

public class Fmp4MuxerTests
{
    private static List<ParsedFragment> Drain(Fmp4Muxer muxer)
    {
        var list = new List<ParsedFragment>();
        while (muxer.TryPollFragment(out var fragment))
        {
            list.Add(ParsedFragment.Parse(fragment));
        }

        return list;
    }

    [Fact]
    public void Low_latency_default_cuts_one_fragment_per_video_frame_with_audio_up_to_its_end()
    {
        var muxer = new Fmp4Muxer(Fmp4TestData.Video(), Fmp4TestData.Audio());
        var fragments = new List<ParsedFragment>();
        var audioIndex = 0;
        const long start = 123_456; // arbitrary stream origin in 90 kHz
        for (var i = 0; i < 90; i++)
        {
            var dts = start + (i * 3000L);
            muxer.PushVideo(Fmp4TestData.VideoSample(i, i % 30 == 0), dts, dts, i % 30 == 0);

            // Audio 48 kHz, 1024-sample frames, pushed up to the video frame's time.
            while (audioIndex * 1024L * 90000 / 48000 <= i * 3000L)
            {
                muxer.PushAudio(Fmp4TestData.AudioSample(audioIndex), (start * 48000 / 90000) + (audioIndex * 1024L));
                audioIndex++;
            }
            fragments.AddRange(Drain(muxer));
        }

        muxer.Flush();
        fragments.AddRange(Drain(muxer));

        Assert.Equal(90, fragments.Count);
        Assert.Equal(Enumerable.Range(1, 90).Select(i => (uint)i), fragments.Select(f => f.SequenceNumber));
        ulong expectedVideoTime = 0, expectedAudioTime = 0;
        var audioSeen = 0;
        for (var i = 0; i < fragments.Count; i++)
        {
            var video = fragments[i].Tracks[1];
            var sample = Assert.Single(video.Samples);
            Assert.Equal(expectedVideoTime, video.BaseDecodeTime); // tfdt continuous and monotonic
            Assert.Equal(3000u, sample.Duration);
            Assert.Equal(Fmp4TestData.VideoSample(i, i % 30 == 0), sample.Data); // data_offset hits the sample
            Assert.Equal(i % 30 == 0, sample.IsSync);
            expectedVideoTime += 3000;
            if (fragments[i].Tracks.TryGetValue(2, out var audio))
            {
                Assert.Equal(expectedAudioTime, audio.BaseDecodeTime);
                Assert.Equal(video.DataEnd, audio.DataStart); // audio follows video in the one mdat
                foreach (var a in audio.Samples)
                {
                    Assert.Equal(Fmp4TestData.AudioSample(audioSeen), a.Data);
                    Assert.Equal(1024u, a.Duration);
                    // Audio never runs ahead of the fragment's video end.
                    Assert.True((long)expectedAudioTime * 90000 < (long)expectedVideoTime * 48000);
                    expectedAudioTime += a.Duration;
                    audioSeen++;
                }
            }
        }

        Assert.Equal(audioIndex, audioSeen);
        Assert.Equal(0, muxer.DroppedSamples);
    }

    [Fact]
    public void Composition_offsets_keep_b_frames_right()
    {
        // Decode order I P B B P B B with two B-frames: PTS runs ahead of DTS by up to two frames.
        long[] dts = [0, 3000, 6000, 9000, 12000, 15000, 18000];
        long[] pts = [6000, 15000, 9000, 12000, 24000, 18000, 21000];
        var muxer = new Fmp4Muxer(Fmp4TestData.Video(), null, new Fmp4MuxerOptions { MaxFragmentDuration = TimeSpan.FromSeconds(10) });
        for (var i = 0; i < dts.Length; i++)
        {
            muxer.PushVideo(Fmp4TestData.VideoSample(i, i == 0), dts[i], pts[i], i == 0);
        }

        Assert.False(muxer.TryPollFragment(out _));
        muxer.Flush();
        var fragment = Assert.Single(Drain(muxer));
        var samples = fragment.Tracks[1].Samples;
        Assert.Equal([6000, 12000, 3000, 3000, 12000, 3000, 3000], samples.Select(s => s.CompositionOffset));
        Assert.Equal([true, false, false, false, false, false, false], samples.Select(s => s.IsSync));
    }

    [Fact]
    public void Negative_composition_offsets_are_signed()
    {
        var muxer = new Fmp4Muxer(Fmp4TestData.Video(), null);
        muxer.PushVideo(Fmp4TestData.VideoSample(0, true), 9000, 9000, true);
        muxer.PushVideo(Fmp4TestData.VideoSample(1, false), 12000, 9000, false);
        muxer.Flush();
        var fragments = Drain(muxer);
        Assert.Equal([0, -3000], fragments.SelectMany(f => f.Tracks[1].Samples).Select(s => s.CompositionOffset));
    }

    [Fact]
    public void Cuts_on_keyframes_and_on_the_maximum_duration()
    {
        var muxer = new Fmp4Muxer(Fmp4TestData.Video(), null, new Fmp4MuxerOptions { MaxFragmentDuration = TimeSpan.FromSeconds(1) });
        var fragments = new List<ParsedFragment>();
        for (var i = 0; i < 100; i++)
        {
            var key = i is 0 or 45;
            muxer.PushVideo(Fmp4TestData.VideoSample(i, key), i * 3000L, i * 3000L, key);
            fragments.AddRange(Drain(muxer));
        }

        muxer.Flush();
        fragments.AddRange(Drain(muxer));
        // 0..29 (1 s), 30..44 (keyframe at 45), 45..74 (1 s), 75..99 (flush).
        Assert.Equal([30, 15, 30, 25], fragments.Select(f => f.Tracks[1].Samples.Count));
        Assert.Equal([0ul, 90000ul, 135000ul, 225000ul], fragments.Select(f => f.Tracks[1].BaseDecodeTime));
    }

    [Fact]
    public void Drops_before_the_first_keyframe_and_non_increasing_dts()
    {
        var muxer = new Fmp4Muxer(Fmp4TestData.Video(), Fmp4TestData.Audio());
        muxer.PushAudio([1, 2, 3], 0); // no keyframe yet
        muxer.PushVideo(Fmp4TestData.VideoSample(0, false), 0, 0, false);
        muxer.PushVideo(Fmp4TestData.VideoSample(1, true), 3000, 3000, true);
        muxer.PushVideo(Fmp4TestData.VideoSample(2, false), 3000, 3000, false); // same DTS
        muxer.PushAudio([1, 2, 3], 0); // before the origin
        muxer.PushVideo([], 9000, 9000, false); // empty
        Assert.Equal(5, muxer.DroppedSamples);
        Assert.False(muxer.TryPollFragment(out _));
    }

    [Fact]
    public void Audio_only_streams_cut_every_100_ms()
    {
        var muxer = new Fmp4Muxer(null, Fmp4TestData.Audio());
        var fragments = new List<ParsedFragment>();
        for (var i = 0; i < 50; i++)
        {
            muxer.PushAudio(Fmp4TestData.AudioSample(i), 1000 + (i * 1024L));
            fragments.AddRange(Drain(muxer));
        }

        // 100 ms at 48 kHz = 4800 ticks = 5 frames of 1024.
        Assert.All(fragments, f => Assert.Equal(5, f.Tracks[2].Samples.Count));
        Assert.Equal(9, fragments.Count);
        Assert.Equal(Enumerable.Range(0, 9).Select(i => (ulong)(i * 5 * 1024)), fragments.Select(f => f.Tracks[2].BaseDecodeTime));
    }

    [Fact]
    public void Unpolled_fragments_merge()
    {
        var muxer = new Fmp4Muxer(Fmp4TestData.Video(), null);
        for (var i = 0; i < 5; i++)
        {
            muxer.PushVideo(Fmp4TestData.VideoSample(i, i == 0), i * 3000L, i * 3000L, i == 0);
        }

        var fragment = Assert.Single(Drain(muxer));
        Assert.Equal(4, fragment.Tracks[1].Samples.Count);
    }

    [Fact]
    public void Audio_goes_on_alone_when_video_stalls()
    {
        var muxer = new Fmp4Muxer(Fmp4TestData.Video(), Fmp4TestData.Audio());
        muxer.PushVideo(Fmp4TestData.VideoSample(0, true), 0, 0, true);
        var fragments = new List<ParsedFragment>();
        for (var i = 0; i < 100; i++)
        {
            muxer.PushAudio(Fmp4TestData.AudioSample(i), i * 1024L);
            fragments.AddRange(Drain(muxer));
        }

        Assert.NotEmpty(fragments);
        Assert.All(fragments, f => Assert.False(f.Tracks.ContainsKey(1)));
        Assert.Equal(0ul, fragments[0].Tracks[2].BaseDecodeTime);
    }

    [Fact]
    public void Steady_state_muxing_and_framing_do_not_allocate()
    {
        var muxer = new Fmp4Muxer(Fmp4TestData.Video(), Fmp4TestData.Audio());
        var video = Fmp4TestData.VideoSample(1, false);
        var key = Fmp4TestData.VideoSample(0, true);
        var audio = Fmp4TestData.AudioSample(1);
        var output = new byte[64 * 1024];
        var audioIndex = 0L;
        void Run(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                muxer.PushVideo(i % 30 == 0 ? key : video, i * 3000L, i * 3000L, i % 30 == 0);
                while (audioIndex * 1024 * 90000 / 48000 <= i * 3000L)
                {
                    muxer.PushAudio(audio, audioIndex++ * 1024);
                }

                while (muxer.TryPollFragment(out var fragment))
                {
                    Assert.True(Fmp4StreamWriter.TryWriteFragment(output, fragment, out _));
                }
            }
        }

        Run(0, 100); // warm-up grows the reused buffers
        var start = 100;
        Assert.Equal(0, Allocations.Least(() =>
        {
            Run(start, start + 300);
            start += 300;
        }));
    }
}
