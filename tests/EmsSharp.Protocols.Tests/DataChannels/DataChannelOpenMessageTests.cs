using EmsSharp.Protocols.DataChannels;

namespace EmsSharp.Protocols.Tests.DataChannels;

public sealed class DataChannelOpenMessageTests
{
    [Fact]
    public void Rfc8832Layout_RoundTrip()
    {
        var open = new DataChannelOpenMessage(DataChannelType.PartialReliableRexmitUnordered, 512, 3, "emsCommandChannel", "json");
        var buffer = new byte[64];
        Assert.True(open.TryWrite(buffer, out var written));
        Assert.Equal(12 + 17 + 4, written);
        Assert.Equal(new byte[] { 0x03, 0x81, 0x02, 0x00, 0, 0, 0, 3, 0, 17, 0, 4 }, buffer[..12]);
        Assert.True(DataChannelOpenMessage.TryRead(buffer.AsSpan(0, written), out var read, out var consumed));
        Assert.Equal(written, consumed);
        Assert.Equal(open, read);
    }

    public static TheoryData<string, byte[]> Malformed() => new()
    {
        { "empty", [] },
        { "ACK is not OPEN", [0x02] },
        { "truncated fixed part", [0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
        { "label longer than message", [0x03, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, (byte)'a'] },
        { "protocol longer than message", [0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, (byte)'a'] },
        { "unknown channel type", [0x03, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_ReturnsFalse(string name, byte[] raw)
    {
        Assert.NotNull(name);
        Assert.False(DataChannelOpenMessage.TryRead(raw, out _, out _));
    }
}
