using System.Buffers.Binary;
using EmsSharp.Protocols.Rtp;
using EmsSharp.Tests.Shared;

namespace EmsSharp.Protocols.Tests.Rtp;

public class H264PacketizerTests
{
    private static readonly byte[] Sps = [0x67, 0x42, 0xC0, 0x1F, 0xDA, 0x01, 0x40, 0x16, 0xE8];
    private static readonly byte[] Pps = [0x68, 0xCE, 0x3C, 0x80];

    private static byte[] Nal(byte header, int length, Random random)
    {
        var nal = new byte[length];
        random.NextBytes(nal);
        nal[0] = header;
        return nal;
    }

    private static byte[] Avcc(params byte[][] nals)
    {
        var stream = new MemoryStream();
        foreach (var nal in nals)
        {
            var prefix = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(prefix, (uint)nal.Length);
            stream.Write(prefix);
            stream.Write(nal);
        }
        return stream.ToArray();
    }

    private static List<(byte[] Payload, bool Marker)> Packetize(byte[] au, bool keyframe, byte[] sps, byte[] pps, int max = 1200)
    {
        Assert.True(H264Packetizer.TryCreate(au, keyframe, sps, pps, max, out var packetizer));
        var payloads = new List<(byte[], bool)>();
        var buffer = new byte[max];
        while (packetizer.TryWriteNext(buffer, out int written, out bool marker))
        {
            Assert.InRange(written, 1, max);
            payloads.Add((buffer[..written], marker));
        }
        return payloads;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void RandomAccessUnits_RoundTripThroughDepacketizer(int seed)
    {
        var random = new Random(seed);
        var depacketizer = new H264Depacketizer();
        ushort sequence = (ushort)(65535 - (seed * 7)); // crosses the wrap
        for (int frame = 0; frame < 30; frame++)
        {
            bool keyframe = frame % 10 == 0;
            var nals = new List<byte[]>();
            var expected = new List<byte[]>();
            nals.Add([0x09, 0xF0]); // AUD, dropped
            if (keyframe)
            {
                nals.Add(Sps); // in-band copy, dropped because the STAP-A carries it
                expected.Add(Sps);
                expected.Add(Pps);
            }
            nals.Add(Nal(0x06, random.Next(2, 40), random)); // SEI, kept
            expected.Add(nals[^1]);
            int slices = random.Next(1, 4);
            for (int i = 0; i < slices; i++)
            {
                int size = random.Next(3) switch { 0 => random.Next(1, 100), 1 => random.Next(100, 1300), _ => random.Next(1300, 9000) };
                var slice = Nal(keyframe ? (byte)0x65 : (byte)0x41, size, random);
                nals.Add(slice);
                expected.Add(slice);
            }
            nals.Add([0x0C, 0xFF, 0xFF]); // filler, dropped

            var payloads = Packetize(Avcc([.. nals]), keyframe, Sps, Pps);

            if (keyframe)
            {
                Assert.Equal(24, payloads[0].Payload[0] & 0x1F); // STAP-A first
            }
            for (int i = 0; i < payloads.Count; i++)
            {
                Assert.Equal(i == payloads.Count - 1, payloads[i].Marker);
                var result = depacketizer.Push(payloads[i].Payload, sequence++, (uint)(frame * 3000), payloads[i].Marker);
                Assert.Equal(i == payloads.Count - 1 ? H264DepacketizerResult.AccessUnitReady : H264DepacketizerResult.NeedMore, result);
            }
            Assert.Equal(Avcc([.. expected]), depacketizer.AccessUnit.ToArray());
            Assert.Equal(keyframe, depacketizer.IsKeyframe);
        }
        Assert.Equal(0, depacketizer.LostPackets);
    }

    [Fact]
    public void LargeNal_IsCutIntoFuAWithStartAndEndBits()
    {
        var random = new Random(9);
        var slice = Nal(0x65, 3000, random);

        var payloads = Packetize(Avcc(slice), keyframe: false, [], []);

        Assert.Equal(3, payloads.Count);
        Assert.All(payloads, p => Assert.Equal(0x60 | 28, p.Payload[0]));
        Assert.Equal(0x80 | 5, payloads[0].Payload[1]);
        Assert.Equal(5, payloads[1].Payload[1]);
        Assert.Equal(0x40 | 5, payloads[2].Payload[1]);
        Assert.Equal(slice[1..], payloads.SelectMany(p => p.Payload[2..]).ToArray());
    }

    [Fact]
    public void SmallNal_IsSingleNalUnitPacketWithMarker()
    {
        var slice = new byte[] { 0x41, 1, 2, 3 };
        var payloads = Packetize(Avcc(slice), keyframe: false, Sps, Pps);
        Assert.Single(payloads);
        Assert.Equal(slice, payloads[0].Payload);
        Assert.True(payloads[0].Marker);
    }

    [Fact]
    public void ParameterSetsTooLargeForStapA_AreSentAsTheirOwnPackets()
    {
        var random = new Random(3);
        var bigSps = Nal(0x67, 700, random);
        var bigPps = Nal(0x68, 700, random);
        var slice = Nal(0x65, 50, random);

        var payloads = Packetize(Avcc(slice), keyframe: true, bigSps, bigPps);

        Assert.Equal(3, payloads.Count);
        Assert.Equal(bigSps, payloads[0].Payload);
        Assert.Equal(bigPps, payloads[1].Payload);
        Assert.Equal(slice, payloads[2].Payload);
        Assert.True(payloads[2].Marker);
    }

    [Fact]
    public void KeyframeWithOnlyParameterSets_MarksTheStapA()
    {
        var payloads = Packetize(Avcc([0x09, 0x10]), keyframe: true, Sps, Pps);
        Assert.Single(payloads);
        Assert.True(payloads[0].Marker);
    }

    [Theory]
    [InlineData("000000")] // truncated length prefix
    [InlineData("0000000541")] // length beyond the access unit
    [InlineData("FFFFFFFF41")] // huge length
    public void MalformedAccessUnit_ReturnsFalse(string hex)
    {
        Assert.False(H264Packetizer.TryCreate(Convert.FromHexString(hex), false, [], [], 1200, out _));
    }

    [Fact]
    public void TooSmallPayloadSize_ReturnsFalse()
    {
        Assert.False(H264Packetizer.TryCreate(Avcc([0x41, 1]), false, [], [], 10, out _));
    }

    [Fact]
    public void LostFragment_DropsTheAccessUnit_ThenRecovers()
    {
        var random = new Random(5);
        var payloads = Packetize(Avcc(Nal(0x65, 5000, random)), keyframe: false, [], []);
        var depacketizer = new H264Depacketizer();
        ushort sequence = 100;
        var results = new List<H264DepacketizerResult>();
        for (int i = 0; i < payloads.Count; i++)
        {
            if (i == 2)
            {
                sequence++; // lost
                continue;
            }
            results.Add(depacketizer.Push(payloads[i].Payload, sequence++, 1000, payloads[i].Marker));
        }
        Assert.Equal(H264DepacketizerResult.AccessUnitDropped, results[^1]);
        Assert.Equal(1, depacketizer.LostPackets);

        var next = Packetize(Avcc([0x41, 7, 7]), keyframe: false, [], []);
        Assert.Equal(H264DepacketizerResult.AccessUnitReady, depacketizer.Push(next[0].Payload, sequence, 4000, true));
    }

    [Fact]
    public void MissingMarker_NewTimestampDiscardsThePartialUnit()
    {
        var depacketizer = new H264Depacketizer();
        Assert.Equal(H264DepacketizerResult.NeedMore, depacketizer.Push([0x41, 1], 1, 1000, false));
        Assert.Equal(H264DepacketizerResult.AccessUnitReady, depacketizer.Push([0x41, 2], 2, 2000, true));
        Assert.Equal(Avcc([0x41, 2]), depacketizer.AccessUnit.ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("00")] // type 0
    [InlineData("1E00")] // type 30
    [InlineData("7C")] // FU-A too short
    [InlineData("18000541")] // STAP-A size beyond payload
    [InlineData("1800")] // STAP-A truncated size
    [InlineData("18000041")] // STAP-A zero size
    public void MalformedPayloads_AreReportedWithoutThrowing(string hex)
    {
        var depacketizer = new H264Depacketizer();
        Assert.Equal(H264DepacketizerResult.Malformed, depacketizer.Push(Convert.FromHexString(hex), 1, 0, false));
    }

    [Fact]
    public void FuAWithoutStart_DropsTheUnit()
    {
        var depacketizer = new H264Depacketizer();
        Assert.Equal(H264DepacketizerResult.AccessUnitDropped, depacketizer.Push([0x7C, 0x45, 1, 2], 1, 0, true));
    }

    [Fact]
    public void OversizedAccessUnit_IsDropped()
    {
        var depacketizer = new H264Depacketizer(maxAccessUnitSize: 100);
        Assert.Equal(H264DepacketizerResult.AccessUnitDropped, depacketizer.Push(new byte[200].Select((_, i) => i == 0 ? (byte)0x41 : (byte)1).ToArray(), 1, 0, false));
        Assert.Equal(H264DepacketizerResult.AccessUnitDropped, depacketizer.Push([0x41, 1], 2, 0, true));
    }

    [Fact]
    public void Packetizing_AllocatesNothing()
    {
        var random = new Random(11);
        var au = Avcc(Nal(0x65, 50_000, random), Nal(0x41, 500, random));
        var buffer = new byte[1200];
        int Run()
        {
            int count = 0;
            Assert.True(H264Packetizer.TryCreate(au, true, Sps, Pps, 1200, out var packetizer));
            while (packetizer.TryWriteNext(buffer, out _, out _))
            {
                count++;
            }
            return count;
        }
        Run();
        int packets = 0;
        Assert.Equal(0, Allocations.Least(() => packets = Run()));
        Assert.True(packets > 40);
    }
}
