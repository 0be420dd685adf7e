using EmsSharp.Protocols.Sctp;

namespace EmsSharp.Protocols.Tests.Sctp;

public sealed class SctpChunkTests
{
    [Fact]
    public void DataChunk_RoundTrip_WithPadding()
    {
        var chunk = new SctpDataChunk(SctpDataChunk.BeginningFlag | SctpDataChunk.EndingFlag | SctpDataChunk.UnorderedFlag, 0xFFFFFFFE, 7, 42, 53, [1, 2, 3, 4, 5]);
        var buffer = new byte[64];
        Assert.True(chunk.TryWrite(buffer, out var written));
        Assert.Equal(24, written);
        Assert.Equal(chunk.GetSerializedLength(), written);
        Assert.True(SctpDataChunk.TryRead(buffer.AsSpan(0, written), out var read, out var consumed));
        Assert.Equal(24, consumed);
        Assert.Equal((0xFFFFFFFEu, (ushort)7, (ushort)42, 53u), (read.Tsn, read.StreamId, read.Ssn, read.Ppid));
        Assert.True(read.IsBeginning && read.IsEnding && read.IsUnordered);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, read.UserData.ToArray());
    }

    [Fact]
    public void InitChunk_RoundTrip_CarriesWebRtcParameters()
    {
        Span<byte> parameters = stackalloc byte[64];
        var length = SctpInitChunk.WriteStandardParameters(parameters);
        SctpParameter.TryWrite(parameters[length..], (ushort)SctpParameterType.StateCookie, [9, 9, 9], out var w);
        var init = new SctpInitChunk(true, 0xCAFEBABE, 131072, 1024, 2048, 77, parameters[..(length + w)]);
        var buffer = new byte[128];
        Assert.True(init.TryWrite(buffer, out var written));
        Assert.True(SctpInitChunk.TryRead(buffer.AsSpan(0, written), out var read, out _));
        Assert.True(read.IsAck);
        Assert.Equal((0xCAFEBABEu, 131072u, (ushort)1024, (ushort)2048, 77u), (read.InitiateTag, read.ARwnd, read.OutboundStreams, read.InboundStreams, read.InitialTsn));
        Assert.True(read.TryReadParameters(out var p, [], out _));
        Assert.True(p.ForwardTsnSupported && p.ReConfigSupported);
        Assert.Equal(new byte[] { 9, 9, 9 }, p.StateCookie);
    }

    [Theory]
    [InlineData(0x0FFF, false, false)] // upper bits 00: stop processing, do not report
    [InlineData(0x4FFF, false, true)]  // 01: stop and report
    [InlineData(0x8FFF, true, false)]  // 10: skip, continue
    [InlineData(0xCFFF, true, true)]   // 11: skip, continue, report
    public void InitParameters_UnknownType_FollowsUpperBitRules(int type, bool continues, bool reported)
    {
        Span<byte> parameters = stackalloc byte[64];
        SctpParameter.TryWrite(parameters, (ushort)type, [1, 2, 3, 4], out var a);
        var b = SctpInitChunk.WriteStandardParameters(parameters[a..]);
        var init = new SctpInitChunk(false, 1, 1, 1, 1, 1, parameters[..(a + b)]);
        Span<byte> unrecognized = stackalloc byte[64];
        Assert.True(init.TryReadParameters(out var p, unrecognized, out var unrecognizedLength));
        Assert.Equal(continues, p.ForwardTsnSupported);
        Assert.Equal(reported, unrecognizedLength > 0);
    }

    [Fact]
    public void SackChunk_RoundTrip_GapBlocksAndDuplicates()
    {
        var buffer = new byte[64];
        Assert.True(SctpSackChunk.TryWrite(buffer, 1000, 65536, [new SctpGapAckBlock(2, 3), new SctpGapAckBlock(5, 9)], [998u], out var written));
        Assert.Equal(SctpSackChunk.GetSerializedLength(2, 1), written);
        Assert.True(SctpSackChunk.TryRead(buffer.AsSpan(0, written), out var sack, out _));
        Assert.Equal((1000u, 65536u, 2, 1), (sack.CumulativeTsnAck, sack.ARwnd, sack.GapBlockCount, sack.DuplicateCount));
        Assert.Equal(new SctpGapAckBlock(5, 9), sack.GetGapBlock(1));
        Assert.Equal(998u, sack.GetDuplicate(0));
        var copy = new byte[64];
        Assert.True(sack.TryWrite(copy, out var again));
        Assert.Equal(buffer[..written], copy[..again]);
    }

    [Fact]
    public void ForwardTsnChunk_RoundTrip()
    {
        var buffer = new byte[32];
        Assert.True(SctpForwardTsnChunk.TryWrite(buffer, 5000, [(1, 10), (3, 0xFFFF)], out var written));
        Assert.Equal(16, written);
        Assert.True(SctpForwardTsnChunk.TryRead(buffer.AsSpan(0, written), out var read, out _));
        Assert.Equal(5000u, read.NewCumulativeTsn);
        Assert.Equal(((ushort)3, (ushort)0xFFFF), read.GetStream(1));
    }

    [Fact]
    public void ReConfig_OutgoingRequestAndResponse_RoundTrip()
    {
        var buffer = new byte[64];
        Assert.True(SctpStreamResetRequest.TryWriteOutgoing(buffer, 10, 20, 30, [1, 3, 5], out var written));
        Assert.Equal(24, written); // 16 + 3 * 2 = 22, padded
        Assert.True(SctpParameter.TryRead(buffer.AsSpan(0, written), out var parameter, out _));
        Assert.True(SctpStreamResetRequest.TryRead(parameter, out var request));
        Assert.True(request.IsOutgoing);
        Assert.Equal((10u, 20u, 30u, 3, (ushort)5), (request.RequestSequence, request.ResponseSequence, request.SenderLastTsn, request.StreamCount, request.GetStream(2)));
        var copy = new byte[64];
        Assert.True(request.TryWrite(copy, out var again));
        Assert.Equal(buffer[..written], copy[..again]);

        var response = new SctpReConfigResponse(10, SctpReConfigResult.SuccessPerformed);
        Assert.True(response.TryWrite(buffer, out written));
        Assert.True(SctpParameter.TryRead(buffer.AsSpan(0, written), out parameter, out _));
        Assert.True(SctpReConfigResponse.TryRead(parameter, out var read));
        Assert.Equal(response, read);
    }

    [Fact]
    public void IncomingResetRequest_Parses()
    {
        byte[] raw = [0, 14, 0, 10, 0, 0, 0, 7, 0, 9, 0, 0];
        Assert.True(SctpParameter.TryRead(raw, out var parameter, out _));
        Assert.True(SctpStreamResetRequest.TryRead(parameter, out var request));
        Assert.False(request.IsOutgoing);
        Assert.Equal((7u, 1, (ushort)9), (request.RequestSequence, request.StreamCount, request.GetStream(0)));
    }

    [Fact]
    public void StateCookie_RoundTrip_RejectsTamperingAndWrongKey()
    {
        var key = new byte[32];
        key[0] = 1;
        var cookie = new SctpStateCookie(1, 2, 3, 4, 5, 6, 7, true, false, TimeSpan.FromSeconds(9));
        var buffer = new byte[SctpStateCookie.Length];
        Assert.True(cookie.TryWriteSigned(buffer, key, out _));
        Assert.True(SctpStateCookie.TryReadVerified(buffer, key, out var read));
        Assert.Equal(cookie, read);
        Assert.False(SctpStateCookie.TryReadVerified(buffer, new byte[32], out _));
        buffer[3] ^= 1;
        Assert.False(SctpStateCookie.TryReadVerified(buffer, key, out _));
    }

    public static TheoryData<string, byte[]> MalformedChunks() => new()
    {
        { "empty", [] },
        { "3 bytes", [0, 0, 0] },
        { "length below header", [0, 3, 0, 3] },
        { "length past end", [0, 3, 0, 40, 1, 2, 3, 4] },
        { "DATA without user data", [0, 3, 0, 16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0] },
        { "DATA truncated header", [0, 3, 0, 8, 0, 0, 0, 1] },
        { "INIT truncated", [1, 0, 0, 8, 0, 0, 0, 1] },
        { "SACK counts disagree with length", [3, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 1, 0, 2, 0, 0] },
        { "SACK truncated", [3, 0, 0, 8, 0, 0, 0, 1] },
        { "FORWARD TSN odd stream bytes", [192, 0, 0, 10, 0, 0, 0, 1, 0, 1, 0, 0] },
    };

    [Theory]
    [MemberData(nameof(MalformedChunks))]
    public void MalformedChunks_ReturnFalse(string name, byte[] raw)
    {
        Assert.NotNull(name);
        var ok = SctpChunk.TryRead(raw, out var chunk, out _)
            && (chunk.Type switch
            {
                0 => SctpDataChunk.TryRead(chunk, out _),
                1 => SctpInitChunk.TryRead(chunk, out _),
                3 => SctpSackChunk.TryRead(chunk, out _),
                192 => SctpForwardTsnChunk.TryRead(chunk, out _),
                _ => true,
            });
        Assert.False(ok);
    }

    public static TheoryData<string, byte[]> MalformedParameters() => new()
    {
        { "reset request too short", [0, 13, 0, 8, 0, 0, 0, 1] },
        { "reset request odd stream bytes", [0, 13, 0, 17, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 9, 0, 0, 0] },
        { "response bad length", [0, 16, 0, 10, 0, 0, 0, 1, 0, 0, 0, 0] },
        { "param length past end", [0, 16, 0, 40, 0, 0] },
    };

    [Theory]
    [MemberData(nameof(MalformedParameters))]
    public void MalformedReConfigParameters_ReturnFalse(string name, byte[] raw)
    {
        Assert.NotNull(name);
        var ok = SctpParameter.TryRead(raw, out var parameter, out _)
            && (parameter.Type == 16 ? SctpReConfigResponse.TryRead(parameter, out _) : SctpStreamResetRequest.TryRead(parameter, out _));
        Assert.False(ok);
    }
}
