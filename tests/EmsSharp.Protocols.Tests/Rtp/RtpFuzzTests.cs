using EmsSharp.Protocols.Rtp;
using EmsSharp.Protocols.Srtp;

namespace EmsSharp.Protocols.Tests.Rtp;

/// <summary>
/// Seeded fuzzing of the RTP-side parsers: every seed is an ordinary, deterministic test, and the
/// corpus below (seed inputs plus any past finding) is replayed as its own test.
/// </summary>
public class RtpFuzzTests
{
    public static readonly byte[][] Corpus =
    [
        Convert.FromHexString("80600001000000000000000041"),
        Convert.FromHexString("9260000100000010000000200000000100000002BEDE000110AA0000010203"),
        Convert.FromHexString("B0600001000000000000000010000002C805AABBCCDD0000" + "7C85010203" + "03"),
        Convert.FromHexString("806000010000000000000000" + "18000967420C1FDA0140160004" + "68CE3C80"),
        Convert.FromHexString("806000010000000000000000" + "7C4501020304"),
        Convert.FromHexString("8F600001000000000000000000"),
        Convert.FromHexString("90600001000000000000000010000001FF00"),
    ];

    public static TheoryData<int> Seeds => [.. Enumerable.Range(0, 16)];

    public static TheoryData<int> CorpusIndices => [.. Enumerable.Range(0, Corpus.Length)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void MutatedInputs_NeverThrow(int seed)
    {
        var random = new Random(seed);
        using var srtp = SrtpContext.FromMasterKey(SrtpProtectionProfile.AeadAes128Gcm, new byte[16], new byte[12]);
        using var srtpCm = SrtpContext.FromMasterKey(SrtpProtectionProfile.Aes128CmHmacSha1_80, new byte[16], new byte[14]);
        var depacketizer = new H264Depacketizer(maxAccessUnitSize: 1 << 16);
        for (int i = 0; i < 2000; i++)
        {
            Exercise(FuzzMutator.Mutate(random, Corpus), srtp, srtpCm, depacketizer);
        }
    }

    [Theory]
    [MemberData(nameof(CorpusIndices))]
    public void CorpusEntries_NeverThrow(int index)
    {
        using var srtp = SrtpContext.FromMasterKey(SrtpProtectionProfile.AeadAes128Gcm, new byte[16], new byte[12]);
        using var srtpCm = SrtpContext.FromMasterKey(SrtpProtectionProfile.Aes128CmHmacSha1_80, new byte[16], new byte[14]);
        Exercise(Corpus[index], srtp, srtpCm, new H264Depacketizer());
    }

    private static void Exercise(byte[] input, SrtpContext srtp, SrtpContext srtpCm, H264Depacketizer depacketizer)
    {
        if (RtpHeader.TryRead(input, out var header, out int consumed))
        {
            Assert.InRange(consumed, RtpHeader.FixedLength, input.Length);
            for (int id = 0; id < 16; id++)
            {
                if (RtpHeaderExtensionReader.TryFind(input, header, id, out var value))
                {
                    Assert.True(value.Length <= header.ExtensionLength);
                }
            }
            if (RtpHeader.TryGetPayload(input, header, consumed, out var payload))
            {
                depacketizer.Push(payload, header.SequenceNumber, header.Timestamp, header.Marker);
            }
        }
        var buffer = new byte[input.Length + 32];
        input.CopyTo(buffer, 0);
        srtp.TryUnprotectRtp(buffer, input.Length, out _);
        srtpCm.TryUnprotectRtp(buffer, input.Length, out _);
        srtp.TryUnprotectRtcp(buffer, input.Length, out _);
        srtpCm.TryUnprotectRtcp(buffer, input.Length, out _);
        H264Packetizer.TryCreate(input, true, [0x67], [0x68], 64, out _);
    }
}
