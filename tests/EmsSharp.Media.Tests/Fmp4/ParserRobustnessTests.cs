using EmsSharp.Media.Aac;
using EmsSharp.Media.Fmp4;
using EmsSharp.Media.H264;

namespace EmsSharp.Media.Tests.Fmp4;

/// <summary>
/// Seeded random and mutated inputs through every parser of H264, Aac and Fmp4: each must return
/// true or false, never throw. Mutations start from valid inputs so the parsers get deep.
/// </summary>
public class ParserRobustnessTests
{
    private static IEnumerable<byte[]> Inputs(byte[] seed, int count, int randomSeed)
    {
        var random = new Random(randomSeed);
        for (var i = 0; i < count; i++)
        {
            var input = random.Next(3) == 0 ? new byte[random.Next(0, 64)] : (byte[])seed.Clone();
            if (input.Length != seed.Length || random.Next(3) == 0)
            {
                random.NextBytes(input);
            }
            else
            {
                for (var m = random.Next(1, 4); m > 0 && input.Length > 0; m--)
                {
                    input[random.Next(input.Length)] = (byte)random.Next(256);
                }
            }

            yield return random.Next(4) == 0 && input.Length > 0 ? input[..random.Next(input.Length)] : input;
        }
    }

    [Fact]
    public void H264_parsers_never_throw()
    {
        foreach (var input in Inputs(Fmp4TestData.Sps, 20_000, 1))
        {
            _ = SequenceParameterSetParser.TryParse(input, out _);
            foreach (var nal in new AnnexBNalEnumerator(input))
            {
                _ = nal.Length;
            }

            _ = AnnexB.TryConvertToAnnexB(input, new byte[256], out _);
            _ = AnnexB.TryConvertToAvcc(input, new byte[256], out _);
        }

        foreach (var input in Inputs(Fmp4TestData.AvcC(), 20_000, 2))
        {
            _ = AvcDecoderConfigurationRecord.TryRead(input, out _, out _);
            _ = Fmp4VideoTrack.TryCreate(input, out _);
        }
    }

    [Fact]
    public void Aac_parsers_never_throw()
    {
        foreach (var input in Inputs(Convert.FromHexString("FFF1508002FFFC0102030405060708090A0B0C0D0E0F"), 20_000, 3))
        {
            _ = AdtsHeader.TryStrip(input, out _, out _, out _);
            _ = AudioSpecificConfig.TryRead(input, out _, out _);
            _ = Fmp4AudioTrack.TryCreate(input, out _);
        }
    }

    [Fact]
    public void Framing_reassembler_never_throws()
    {
        var muxer = new Fmp4Muxer(Fmp4TestData.Video(), Fmp4TestData.Audio());
        var init = new byte[Fmp4StreamWriter.GetInitPacketLength(muxer)];
        Assert.True(Fmp4StreamWriter.TryWriteInit(init, muxer, out _));
        foreach (var input in Inputs(init, 5_000, 4))
        {
            var reassembler = new Fmp4StreamReassembler(maxPayloadSize: 4096, maxFragmentSize: 8192);
            _ = reassembler.Push(input);
            _ = Fmp4StreamPacket.TryRead(input, out _, out _);
        }
    }
}
