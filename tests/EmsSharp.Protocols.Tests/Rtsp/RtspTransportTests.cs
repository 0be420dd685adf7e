using EmsSharp.Protocols.Rtsp;

namespace EmsSharp.Protocols.Tests.Rtsp;

public class RtspTransportTests
{
    [Theory]
    [InlineData("RTP/AVP/TCP;unicast;interleaved=0-1;mode=record", true, 0, -1, -1)]
    [InlineData("RTP/AVP;unicast;client_port=5000-5001;mode=record", false, -1, 5000, -1)]
    [InlineData("RTP/AVP/UDP;unicast;client_port=5002-5003;server_port=6970-6971", false, -1, 5002, 6970)]
    [InlineData("RTP/AVP;unicast;client_port=5000", false, -1, 5000, -1)]
    [InlineData("RTP/SAVP;unicast, RTP/AVP/TCP;interleaved=2-3", true, 2, -1, -1)]
    public void Parses_and_round_trips(string value, bool tcp, int channel, int clientPort, int serverPort)
    {
        Assert.True(RtspTransport.TryParse(value, out var transport));
        Assert.Equal(tcp, transport.IsTcp);
        Assert.Equal(channel, transport.Interleaved?.Rtp ?? -1);
        Assert.Equal(clientPort, transport.ClientPort?.Rtp ?? -1);
        Assert.Equal(serverPort, transport.ServerPort?.Rtp ?? -1);
        Assert.True(RtspTransport.TryParse(transport.ToString(), out var again));
        Assert.Equal(transport, again);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("RAW/RAW/UDP;unicast")]
    [InlineData("RTP/AVP;client_port=70000-70001")]
    [InlineData("RTP/AVP;client_port=a-b")]
    [InlineData("RTP/AVP/TCP;interleaved=300-301")]
    [InlineData("RTP/AVP;client_port=-1")]
    public void Malformed_values_are_refused(string? value)
    {
        Assert.False(RtspTransport.TryParse(value, out _));
    }
}
