using EmsSharp.Protocols.Ice;

namespace EmsSharp.Protocols.Tests.Ice;

public sealed class IceCandidateTests
{
    [Theory]
    [InlineData("candidate:h0 1 udp 2130706431 127.0.0.1 33840 typ host")]
    [InlineData("candidate:srflx1 1 udp 1694498815 203.0.113.1 6000 typ srflx raddr 10.0.0.1 rport 5000")]
    [InlineData("candidate:9 1 udp 1845501695 2001:db8::1 40000 typ prflx")]
    [InlineData("candidate:r 1 udp 16777215 198.51.100.7 3478 typ relay raddr 0.0.0.0 rport 0")]
    [InlineData("candidate:t0 1 tcp 1518214911 192.0.2.1 5004 typ host tcptype passive")]
    public void Round_trips(string line)
    {
        Assert.True(IceCandidate.TryParse(line, out var c));
        Assert.Equal(line, c!.ToString());
        Assert.True(IceCandidate.TryParse("a=" + line, out var again));
        Assert.Equal(c, again);
    }

    [Fact]
    public void Chromium_extensions_are_accepted()
    {
        Assert.True(IceCandidate.TryParse(
            "candidate:4087810403 1 udp 2113937151 192.0.2.2 59284 typ host generation 0 ufrag piXF network-cost 999",
            out var c));
        Assert.Equal(59284, c!.Port);
        Assert.Equal(IceCandidateType.Host, c.Type);
        Assert.False(c.IsTcp);

        // RFC 6544 §4.5: Chromium's ICE-TCP candidates are active, on the discard port 9.
        Assert.True(IceCandidate.TryParse(
            "candidate:2 1 tcp 1518280447 192.0.2.2 9 typ host tcptype active generation 0 network-cost 999", out var tcp));
        Assert.True(tcp!.IsTcp);
        Assert.Equal("active", tcp.TcpType);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("candidate:")]
    [InlineData("candidate:1 1 tcp 2130706431 127.0.0.1 9 typ host")]
    [InlineData("candidate:1 1 tcp 2130706431 127.0.0.1 9 typ host tcptype sideways")]
    [InlineData("candidate:1 1 udp 2130706431 127.0.0.1 9 typ host tcptype passive")]
    [InlineData("candidate:1 1 sctp 2130706431 127.0.0.1 9 typ host")]
    [InlineData("candidate:1 1 udp 2130706431 127.0.0.1 70000 typ host")]
    [InlineData("candidate:1 0 udp 2130706431 127.0.0.1 9 typ host")]
    [InlineData("candidate:1 1 udp -5 127.0.0.1 9 typ host")]
    [InlineData("candidate:1 1 udp 2130706431 127.0.0.1 9 type host")]
    [InlineData("candidate:1 1 udp 2130706431 127.0.0.1 9 typ weird")]
    [InlineData("candidate:1 1 udp 2130706431 127.0.0.1 9 typ srflx raddr 1.2.3.4 rport x")]
    public void Malformed_lines_are_rejected(string? line) => Assert.False(IceCandidate.TryParse(line, out _));
}
