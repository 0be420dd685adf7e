using EmsSharp.Media.Aac;
using EmsSharp.Media.H264;
using EmsSharp.Media.Hub;
using EmsSharp.Media.Tests.Fmp4;
using EmsSharp.Media.Ts;
using EmsSharp.Tests.Shared;

namespace EmsSharp.Media.Tests.Ts;

/// <summary>The transport stream of <see cref="TsMuxer"/> read back by an independent reader (ISO/IEC 13818-1).</summary>
public class TsMuxerTests
{
    // A stream clock far from 0 (100 000 s, past 2^33 at 90 kHz), the same instant for both tracks: the file starts at 0.7 s.
    private const long VideoOrigin = 9_000_000_000;
    private const long AudioOrigin = 4_800_000_000;
    private static readonly VideoTrackConfig Video = new(MediaCodec.H264, Fmp4TestData.AvcC(), 1280, 720);
    private static readonly AudioTrackConfig Audio = new(MediaCodec.Aac, AudioSpecificConfig.Create(2, 48_000, 2).Raw, 48_000, 2);
    private static readonly byte[] ParameterSets = [0, 0, 0, 1, .. Fmp4TestData.Sps, 0, 0, 0, 1, .. Fmp4TestData.Pps];

    [Fact]
    public void Crc32Mpeg2_matches_the_catalogued_check_value()
    {
        // CRC-32/MPEG-2 of "123456789": the CRC catalogue's check value for poly 0x04C11DB7, init all ones, no reflection.
        Assert.Equal(0x0376E6E7u, Crc32Mpeg2.Compute("123456789"u8));
    }

    [Fact]
    public void Every_packet_is_188_bytes_with_consecutive_continuity_counters_and_tables_whose_crc_checks()
    {
        var packets = TsTestReader.Packets(Mux(new TsMuxer(Video, Audio), Frames(90)));

        Assert.Equal([0, TsMuxer.VideoPid, TsMuxer.AudioPid, TsMuxer.PmtPid], packets.Select(p => p.Pid).Distinct().Order());
        foreach (var pid in packets.Select(p => p.Pid).Distinct())
        {
            var counters = packets.Where(p => p.Pid == pid).Select(p => p.Counter).ToList();
            Assert.Equal(Enumerable.Range(0, counters.Count).Select(i => i % 16), counters);
        }

        var pat = TsTestReader.Section(packets.First(p => p.Pid == 0));
        Assert.Equal(0x00, pat[0]);
        Assert.Equal(TsMuxer.PmtPid, ((pat[10] & 0x1F) << 8) | pat[11]); // program 1's program_map_PID
        var pmt = TsTestReader.Section(packets.First(p => p.Pid == TsMuxer.PmtPid));
        Assert.Equal(0x02, pmt[0]);
        Assert.Equal(TsMuxer.VideoPid, ((pmt[8] & 0x1F) << 8) | pmt[9]); // PCR_PID
        Assert.Equal([(0x1B, TsMuxer.VideoPid), (0x0F, TsMuxer.AudioPid)], Streams(pmt));
    }

    [Fact]
    public void Pes_packets_reassemble_to_annex_b_access_units_and_adts_frames_with_their_timestamps()
    {
        var frames = Frames(90);
        var packets = TsTestReader.Packets(Mux(new TsMuxer(Video, Audio), frames));
        var video = TsTestReader.Pes(packets, TsMuxer.VideoPid);
        var audio = TsTestReader.Pes(packets, TsMuxer.AudioPid);
        var sentVideo = frames.Where(f => f.Kind == TrackKind.Video).ToList();
        var sentAudio = frames.Where(f => f.Kind == TrackKind.Audio).ToList();
        Assert.Equal(sentVideo.Count, video.Count);
        Assert.Equal(sentAudio.Count, audio.Count);

        for (var i = 0; i < video.Count; i++)
        {
            var (streamId, pts, dts, data) = TsTestReader.ParsePes(video[i].Pes);
            var frame = sentVideo[i];
            Assert.Equal(0xE0, streamId);
            Assert.Equal(frame.Dts - VideoOrigin + TsMuxer.DecodeDelay, dts);
            Assert.Equal(frame.Pts - VideoOrigin + TsMuxer.DecodeDelay, pts);
            var annexB = new byte[AnnexB.GetAnnexBLength(frame.Payload.Span)];
            Assert.True(AnnexB.TryConvertToAnnexB(frame.Payload.Span, annexB, out _));
            byte[] expected = [0, 0, 0, 1, 0x09, 0xF0, .. frame.IsKeyframe ? ParameterSets : [], .. annexB];
            Assert.Equal(expected, data);
            Assert.Equal(frame.IsKeyframe, video[i].First.RandomAccess);
        }

        for (var i = 0; i < audio.Count; i++)
        {
            var (streamId, pts, dts, data) = TsTestReader.ParsePes(audio[i].Pes);
            Assert.Equal(0xC0, streamId);
            Assert.Equal((i * 3000L) + TsMuxer.DecodeDelay, pts); // 1600 samples at 48 kHz = 3000 ticks at 90 kHz
            Assert.Equal(pts, dts);
            Assert.True(AdtsHeader.TryStrip(data, out var header, out var payload, out var length));
            Assert.Equal(data.Length, length);
            Assert.Equal((2, 3, 2), (header.ObjectType, header.SamplingFrequencyIndex, header.ChannelConfiguration));
            Assert.Equal(sentAudio[i].Payload.ToArray(), payload.ToArray());
            Assert.False(audio[i].First.RandomAccess); // a player starts at the video's keyframes
            Assert.Equal(-1, audio[i].First.Pcr);
        }
    }

    [Fact]
    public void The_pcr_is_on_every_video_pes_its_dts_less_the_decode_delay_and_never_goes_back()
    {
        var packets = TsTestReader.Packets(Mux(new TsMuxer(Video, Audio), Frames(90)));
        var video = TsTestReader.Pes(packets, TsMuxer.VideoPid);

        var pcrs = video.Select(v => v.First.Pcr).ToList();
        Assert.Equal(video.Select(v => TsTestReader.ParsePes(v.Pes).Dts - TsMuxer.DecodeDelay), pcrs);
        Assert.Equal(pcrs.Order(), pcrs);
        Assert.Equal(0, pcrs[0]);
        Assert.All(packets.Where(p => !p.PayloadStart), p => Assert.Equal(-1, p.Pcr));
    }

    [Fact]
    public void Pat_and_pmt_come_before_every_keyframe_and_at_least_every_100_ms()
    {
        var packets = TsTestReader.Packets(Mux(new TsMuxer(Video, Audio), Frames(90)));
        var tablesAt = new List<long>();
        for (var i = 0; i < packets.Count; i++)
        {
            if (packets[i].Pid == 0)
            {
                Assert.Equal(TsMuxer.PmtPid, packets[i + 1].Pid);
                var next = packets[i + 2];
                tablesAt.Add(TsTestReader.ParsePes(TsTestReader.Pes(packets[(i + 2)..], next.Pid)[0].Pes).Dts);
            }
        }

        var keyframes = TsTestReader.Pes(packets, TsMuxer.VideoPid).Where(v => v.First.RandomAccess).Select(v => TsTestReader.ParsePes(v.Pes).Dts);
        Assert.Subset(tablesAt.ToHashSet(), keyframes.ToHashSet());
        Assert.Equal(TsMuxer.DecodeDelay, tablesAt[0]);
        var gaps = tablesAt.Zip(tablesAt.Skip(1), (a, b) => b - a).ToList();
        Assert.All(gaps, gap => Assert.InRange(gap, 0, TsMuxer.TableInterval + 3000)); // at most one frame (33 ms) past 100 ms
        Assert.Contains(gaps, gap => gap >= TsMuxer.TableInterval); // between keyframes, by time
    }

    [Fact]
    public void An_audio_only_stream_has_its_pcr_and_random_access_points_on_the_audio()
    {
        var frames = Frames(60).Where(f => f.Kind == TrackKind.Audio).ToList();
        var packets = TsTestReader.Packets(Mux(new TsMuxer(null, Audio), frames));

        var pmt = TsTestReader.Section(packets.First(p => p.Pid == TsMuxer.PmtPid));
        Assert.Equal(TsMuxer.AudioPid, ((pmt[8] & 0x1F) << 8) | pmt[9]);
        Assert.Equal([(0x0F, TsMuxer.AudioPid)], Streams(pmt));
        var audio = TsTestReader.Pes(packets, TsMuxer.AudioPid);
        Assert.All(audio, a => Assert.True(a.First.RandomAccess));
        Assert.Equal(audio.Select(a => TsTestReader.ParsePes(a.Pes).Dts - TsMuxer.DecodeDelay), audio.Select(a => a.First.Pcr));
    }

    [Fact]
    public void Opus_audio_is_left_out_and_its_frames_are_refused()
    {
        var opus = new AudioTrackConfig(MediaCodec.Opus, ReadOnlyMemory<byte>.Empty, 48_000, 2);
        var muxer = new TsMuxer(Video, opus);
        Assert.True(muxer.CarriesVideo);
        Assert.False(muxer.CarriesAudio);
        Assert.True(muxer.Write(Frames(1)[0]));
        var pmt = TsTestReader.Section(TsTestReader.Packets(muxer.Packets).First(p => p.Pid == TsMuxer.PmtPid));
        Assert.Equal([(0x1B, TsMuxer.VideoPid)], Streams(pmt));

        Assert.False(muxer.Write(new MediaFrame(TrackKind.Audio, MediaCodec.Opus, 0, 0, true, new byte[20])));
        Assert.True(muxer.Packets.IsEmpty);
    }

    [Fact]
    public void An_access_unit_with_its_own_delimiter_and_parameter_sets_gets_no_second_ones_and_a_malformed_one_is_refused()
    {
        var muxer = new TsMuxer(Video, Audio);
        byte[] unit = [0, 0, 0, 2, 0x09, 0x10, 0, 0, 0, (byte)Fmp4TestData.Sps.Length, .. Fmp4TestData.Sps, 0, 0, 0, 3, 0x65, 1, 2];
        Assert.True(muxer.Write(new MediaFrame(TrackKind.Video, MediaCodec.H264, 0, 0, true, unit)));
        var data = TsTestReader.ParsePes(TsTestReader.Pes(TsTestReader.Packets(muxer.Packets), TsMuxer.VideoPid)[0].Pes).Data;
        Assert.Equal([0, 0, 0, 1, 0x09, 0x10, 0, 0, 0, 1, .. Fmp4TestData.Sps, 0, 0, 0, 1, 0x65, 1, 2], data);

        Assert.False(muxer.Write(new MediaFrame(TrackKind.Video, MediaCodec.H264, 3000, 3000, false, new byte[] { 0, 0, 0, 9, 0x41 })));
        Assert.True(muxer.Packets.IsEmpty);
    }

    [Fact]
    public void Muxing_a_frame_allocates_nothing_once_the_buffers_have_grown()
    {
        var frames = Frames(90);
        var muxer = new TsMuxer(Video, Audio);
        Mux(muxer, frames); // grows the buffers to the largest frame
        var bytes = Allocations.Least(() =>
        {
            foreach (var frame in frames)
            {
                muxer.Write(frame);
            }
        });
        Assert.Equal(0, bytes);
    }

    // 30 fps video (a keyframe every 30, B-frame-like PTS offsets, sizes from 1 byte to several packets so every
    // remainder of a last packet occurs, stuffing included) and one AAC frame after each, same instant.
    private static List<MediaFrame> Frames(int count)
    {
        var frames = new List<MediaFrame>();
        for (var i = 0; i < count; i++)
        {
            var key = i % 30 == 0;
            var size = 1 + ((i * 97) % 1500);
            var unit = new byte[4 + size];
            unit[2] = (byte)(size >> 8);
            unit[3] = (byte)size;
            unit[4] = key ? (byte)0x65 : (byte)0x41;
            unit.AsSpan(5).Fill((byte)i);
            var dts = VideoOrigin + (i * 3000L);
            frames.Add(new MediaFrame(TrackKind.Video, MediaCodec.H264, dts, dts + ((i % 3) * 3000L), key, unit));
            var audio = AudioOrigin + (i * 1600L);
            frames.Add(new MediaFrame(TrackKind.Audio, MediaCodec.Aac, audio, audio, true, Fmp4TestData.AudioSample(i)));
        }

        return frames;
    }

    private static byte[] Mux(TsMuxer muxer, List<MediaFrame> frames)
    {
        var ts = new List<byte>();
        foreach (var frame in frames)
        {
            Assert.True(muxer.Write(frame));
            ts.AddRange(muxer.Packets.ToArray());
        }

        return [.. ts];
    }

    // The PMT's (stream_type, elementary_PID) pairs (§2.4.4.8), from byte 12 to the CRC.
    private static List<(int, int)> Streams(byte[] pmt)
    {
        var streams = new List<(int, int)>();
        for (var at = 12; at < pmt.Length - 4; at += 5 + (((pmt[at + 3] & 0x0F) << 8) | pmt[at + 4]))
        {
            streams.Add((pmt[at], ((pmt[at + 1] & 0x1F) << 8) | pmt[at + 2]));
        }

        return streams;
    }
}
