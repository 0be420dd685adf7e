using EmsSharp.Media.Fmp4;

namespace EmsSharp.Media.Tests.Fmp4;

public class Fmp4StreamFramingTests
{
    private static (Fmp4Muxer Muxer, byte[] Stream, List<byte[]> Fragments) BuildStream(bool video = true, bool audio = true)
    {
        var muxer = new Fmp4Muxer(video ? Fmp4TestData.Video() : null, audio ? Fmp4TestData.Audio() : null);
        var stream = new List<byte>();
        var init = new byte[Fmp4StreamWriter.GetInitPacketLength(muxer)];
        Assert.True(Fmp4StreamWriter.TryWriteInit(init, muxer, out var written));
        Assert.Equal(init.Length, written);
        stream.AddRange(init);
        var fragments = new List<byte[]>();
        for (var i = 0; i < 20; i++)
        {
            if (video)
            {
                muxer.PushVideo(Fmp4TestData.VideoSample(i, i % 10 == 0), i * 3000L, i * 3000L, i % 10 == 0);
            }

            if (audio)
            {
                muxer.PushAudio(Fmp4TestData.AudioSample(i), i * 1600L);
            }

            while (muxer.TryPollFragment(out var fragment))
            {
                var bytes = new byte[fragment.Length];
                Assert.True(fragment.TryCopyTo(bytes, out _));
                fragments.Add(bytes);
                var packets = new byte[Fmp4StreamWriter.GetFragmentLength(fragment)];
                Assert.True(Fmp4StreamWriter.TryWriteFragment(packets, fragment, out written));
                Assert.Equal(packets.Length, written);
                stream.AddRange(packets);
            }
        }

        return (muxer, stream.ToArray(), fragments);
    }

    [Fact]
    public void Writes_the_packet_order_the_stock_player_expects()
    {
        var (muxer, stream, _) = BuildStream();
        // HEADER_MOOV: [250][size:3 BE][0xF3][profile][constraints][level][ftyp...]
        Assert.Equal(250, stream[0]);
        Assert.Equal(4 + muxer.InitSegment.Length, (stream[1] << 16) | (stream[2] << 8) | stream[3]);
        Assert.Equal("F364001F", Convert.ToHexString(stream.AsSpan(4, 4)));
        Assert.Equal("ftyp", System.Text.Encoding.ASCII.GetString(stream, 12, 4));

        var types = new List<Fmp4StreamPacketType>();
        ReadOnlySpan<byte> rest = stream;
        while (Fmp4StreamPacket.TryRead(rest, out var packet, out var consumed))
        {
            types.Add(packet.Type);
            if (packet.Type == Fmp4StreamPacketType.HeaderMdat)
            {
                Assert.Equal(8, packet.Payload.Length);
                Assert.Equal("mdat", System.Text.Encoding.ASCII.GetString(packet.Payload[4..]));
            }

            rest = rest[consumed..];
        }

        Assert.True(rest.IsEmpty);
        Assert.Equal(Fmp4StreamPacketType.HeaderMoov, types[0]);
        // Every fragment: BEGIN, MOOF, MDAT header, VIDEO, AUDIO (absent when the fragment has none), END.
        var text = string.Concat(types.Skip(1).Select(t => (char)('A' + (t - Fmp4StreamPacketType.Begin))));
        Assert.Matches("^(ACFDE?G)+$", text);
        Assert.Contains("ACFDEG", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1000)]
    [InlineData(int.MaxValue)]
    public void Reassembles_from_chunks_of_any_size(int chunkSize)
    {
        var (muxer, stream, fragments) = BuildStream();
        var reassembler = new Fmp4StreamReassembler();
        for (var i = 0; i < stream.Length; i += Math.Min(chunkSize, stream.Length - i))
        {
            Assert.True(reassembler.Push(stream.AsSpan(i, Math.Min(chunkSize, stream.Length - i))));
        }

        Assert.Equal((byte)0xF3, reassembler.Flags);
        Assert.Equal(muxer.InitSegment, reassembler.InitSegment);
        Assert.Equal("64001F", Convert.ToHexString(reassembler.AvcProfile!));
        foreach (var expected in fragments)
        {
            Assert.True(reassembler.TryPollFragment(out var actual));
            Assert.Equal(expected, actual); // moof + mdat header + video + audio, offsets intact
        }

        Assert.False(reassembler.TryPollFragment(out _));
    }

    [Fact]
    public void Audio_only_stream_has_mask_2_and_zero_profile()
    {
        var (_, stream, fragments) = BuildStream(video: false);
        Assert.Equal("F2000000", Convert.ToHexString(stream.AsSpan(4, 4)));
        var reassembler = new Fmp4StreamReassembler();
        Assert.True(reassembler.Push(stream));
        var count = 0;
        while (reassembler.TryPollFragment(out var fragment))
        {
            Assert.Equal(fragments[count++], fragment);
        }

        Assert.Equal(fragments.Count, count);
    }

    [Fact]
    public void Keeps_the_first_moov_and_drops_packets_without_begin()
    {
        var (_, stream, fragments) = BuildStream();
        var reassembler = new Fmp4StreamReassembler();
        var stray = new byte[] { 251, 0, 0, 2, 0xAA, 0xBB, 255, 0, 0, 0 };
        Assert.True(reassembler.Push(stray));
        Assert.True(reassembler.Push(stream));
        var second = new byte[] { 250, 0, 0, 13, 0x01, 0, 0, 0, 8, (byte)'f', (byte)'t', (byte)'y', (byte)'p', 0, 0, 0, 0 };
        Assert.True(reassembler.Push(second));
        Assert.Equal(2, reassembler.DroppedPackets);
        Assert.Equal((byte)0xF3, reassembler.Flags);
        Assert.True(reassembler.TryPollFragment(out var first));
        Assert.Equal(fragments[0], first);
    }

    public static TheoryData<string, int> Malformed => new()
    {
        { "10000000", Fmp4StreamPacket.MaxPayloadSize }, // unknown type 16
        { "F8000000", Fmp4StreamPacket.MaxPayloadSize }, // unknown type 248
        { "FB001000", 1024 }, // declared size over the limit, refused before buffering
        { "FA000000", Fmp4StreamPacket.MaxPayloadSize }, // HEADER_MOOV without flags
        { "FA000003F36400", Fmp4StreamPacket.MaxPayloadSize }, // HEADER_MOOV: flags 0xF but no init segment
        { "F9000000FC000008" + "0000000000000000", 4 }, // fragment grows over the limit
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Rejects_malformed(string hex, int limit)
    {
        var reassembler = new Fmp4StreamReassembler(limit, maxFragmentSize: 4);
        Assert.False(reassembler.Push(Convert.FromHexString(hex)));
    }

    public static TheoryData<string> IncompleteOrBad => new()
    {
        "",
        "FB00",
        "FB000002AA",
        "05000000",
    };

    [Theory]
    [MemberData(nameof(IncompleteOrBad))]
    public void Packet_try_read_returns_false(string hex) =>
        Assert.False(Fmp4StreamPacket.TryRead(Convert.FromHexString(hex), out _, out _));

    [Fact]
    public void Packet_write_rejects_oversized_payloads() =>
        Assert.False(Fmp4StreamPacket.TryWrite(new byte[20_000_000], Fmp4StreamPacketType.VideoBuffer,
            new byte[Fmp4StreamPacket.MaxPayloadSize + 1], out _));
}
