using System.Diagnostics;
using System.Runtime.Intrinsics.X86;
using System.Text;
using EmsSharp.Protocols.Sctp;
using Xunit.Abstractions;

namespace EmsSharp.Protocols.Tests.Sctp;

public sealed class Crc32cTests(ITestOutputHelper output)
{
    [Fact]
    public void Throughput_HardwareVersusSlicingBy8_Reported()
    {
        var data = new byte[1200];
        new Random(1).NextBytes(data);
        const int rounds = 20000; // 24 MB
        var stopwatch = Stopwatch.StartNew();
        uint a = 0, b = 0;
        for (var i = 0; i < rounds; i++)
        {
            a ^= Crc32c.Compute(data);
        }

        var hardware = stopwatch.Elapsed;
        stopwatch.Restart();
        for (var i = 0; i < rounds; i++)
        {
            b ^= ~Crc32c.UpdateSoftware(0xFFFFFFFF, data);
        }

        var software = stopwatch.Elapsed;
        Assert.Equal(a, b);
        var megabytes = rounds * data.Length / 1e6;
        output.WriteLine($"CRC32c over 1200-byte packets (Debug): Compute {megabytes / hardware.TotalSeconds:F0} MB/s " +
            $"(SSE4.2 {(Sse42.X64.IsSupported ? "used" : "absent")}), slicing-by-8 {megabytes / software.TotalSeconds:F0} MB/s");
    }

    // RFC 3720 Appendix B.4 (iSCSI CRC32c examples) and the standard "123456789" check value.
    public static TheoryData<string, byte[], uint> Vectors()
    {
        var data = new TheoryData<string, byte[], uint>
        {
            { "RFC 3720 B.4: 32 bytes of zeros", new byte[32], 0x8A9136AAu },
            { "RFC 3720 B.4: 32 bytes of ones", Enumerable.Repeat((byte)0xFF, 32).ToArray(), 0x62A8AB43u },
            { "RFC 3720 B.4: 32 incrementing bytes", Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), 0x46DD794Eu },
            { "RFC 3720 B.4: 32 decrementing bytes", Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray(), 0x113FDB5Cu },
            { "check value 123456789", Encoding.ASCII.GetBytes("123456789"), 0xE3069283u },
            { "empty", [], 0u },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Compute_MatchesRfc3720Vectors(string name, byte[] input, uint expected)
    {
        Assert.NotNull(name);
        Assert.Equal(expected, Crc32c.Compute(input));
        Assert.Equal(expected, ~Crc32c.UpdateSoftware(0xFFFFFFFF, input));
    }

    [Fact]
    public void HardwareAndSoftwarePaths_AgreeOnRandomLengthsAndSplits()
    {
        var random = new Random(3);
        for (var i = 0; i < 200; i++)
        {
            var data = new byte[random.Next(0, 3000)];
            random.NextBytes(data);
            var split = random.Next(0, data.Length + 1);
            var chained = ~Crc32c.Update(Crc32c.Update(0xFFFFFFFF, data.AsSpan(0, split)), data.AsSpan(split));
            Assert.Equal(~Crc32c.UpdateSoftware(0xFFFFFFFF, data), chained);
        }
    }

    [Fact]
    public void PacketChecksum_IsStoredLittleEndianAndVerified()
    {
        // A COOKIE ACK packet: the checksum covers the packet with the checksum field zeroed (RFC 9260 §6.8).
        var packet = new byte[16];
        new SctpCommonHeader(5000, 5000, 0x01020304, 0).TryWrite(packet, out _);
        SctpChunk.WriteHeader(packet.AsSpan(12), (byte)SctpChunkType.CookieAck, 0, 4);
        SctpPacket.WriteChecksum(packet);
        var zeroed = (byte[])packet.Clone();
        zeroed.AsSpan(8, 4).Clear();
        Assert.Equal(BitConverter.GetBytes(Crc32c.Compute(zeroed)), packet[8..12]);
        Assert.True(SctpPacket.TryRead(packet, out var parsed, out var consumed));
        Assert.Equal(16, consumed);
        Assert.Equal(0x01020304u, parsed.Header.VerificationTag);
        packet[15] ^= 1;
        Assert.False(SctpPacket.TryRead(packet, out _, out _));
    }
}
