using EmsSharp.Protocols.Rtcp;
using EmsSharp.Protocols.Tests.Rtp;

namespace EmsSharp.Protocols.Tests.Rtcp;

/// <summary>Seeded fuzzing of the RTCP parsers; seeds and the corpus replay as ordinary tests.</summary>
public class RtcpFuzzTests
{
    public static readonly byte[][] Corpus =
    [
        Convert.FromHexString("81C80007000000010000000200000003000000040000000500000006" + "AABBCCDD19FFFFFD0001FFFF000000781234567800010000"),
        Convert.FromHexString("81C90001000000070000000000000000000000000000000000000000000000"),
        Convert.FromHexString("81CA00020000000901036162630000"),
        Convert.FromHexString("82CB000300000001000000020873687574646F776E"),
        Convert.FromHexString("81CD0003000000010000000200648001"),
        Convert.FromHexString("81CE00020000000100000002"),
        Convert.FromHexString("84CE000400000001000000000000000207000000"),
        Convert.FromHexString("8FCE000500000001000000005245D4420102DC6C00000002"),
        Convert.FromHexString("8FCD0006000000010000000200010008FFFFFB03D860E4040102FF0003E80100"),
        Convert.FromHexString("8FCD0005000000010000000200000014000001052010A800"),
        Convert.FromHexString("80CC000200000001414243440000"),
    ];

    public static TheoryData<int> Seeds => [.. Enumerable.Range(0, 16)];

    public static TheoryData<int> CorpusIndices => [.. Enumerable.Range(0, Corpus.Length)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void MutatedInputs_NeverThrow(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < 3000; i++)
        {
            Exercise(FuzzMutator.Mutate(random, Corpus));
        }
    }

    [Theory]
    [MemberData(nameof(CorpusIndices))]
    public void CorpusEntries_NeverThrow(int index) => Exercise(Corpus[index]);

    private static void Exercise(byte[] input)
    {
        if (RtcpCompoundPacket.TryRead(input, out var compound, out int consumed))
        {
            Assert.Equal(input.Length, consumed);
            foreach (var packet in compound.Packets)
            {
                var buffer = new byte[packet.GetSerializedLength()];
                if (packet.TryWrite(buffer, out int written))
                {
                    // What we write we must read back.
                    Assert.True(RtcpCompoundPacket.TryReadOne(buffer.AsSpan(0, written), out _, out _));
                }
                if (packet is RtcpGenericNack nack)
                {
                    nack.CopyLostSequenceNumbers(new ushort[nack.LostCount]);
                }
            }
        }
        for (int offset = 0; offset < input.Length; offset += 4)
        {
            RtcpCompoundPacket.TryReadOne(input.AsSpan(offset), out _, out _);
        }
    }
}
