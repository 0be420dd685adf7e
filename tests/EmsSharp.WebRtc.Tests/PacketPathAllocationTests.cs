using System.Net;
using System.Net.Sockets;
using EmsSharp.Protocols.Rtp;
using EmsSharp.Protocols.Srtp;
using EmsSharp.Tests.Shared;

namespace EmsSharp.WebRtc.Tests;

/// <summary>
/// The per-viewer, per-packet send path in steady state allocates nothing: RTP header and extensions written
/// around a shared payload, recorded in the send history (a reference, no copy), SRTP-protected, and sent on the
/// shared UDP port (the destination's SocketAddress is cached per endpoint).
/// </summary>
public sealed class PacketPathAllocationTests
{
    [Theory]
    [InlineData((ushort)0x0001)]
    [InlineData((ushort)0x0007)]
    public async Task Write_protect_and_send_allocate_nothing_per_packet(ushort profile)
    {
        await using var port = UdpPortDriver.Start(new UdpPortDriverOptions { BindAddress = IPAddress.Loopback });
        using var viewer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        viewer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var destination = (IPEndPoint)viewer.LocalEndPoint!;
        var material = new byte[SrtpContextFactory.GetKeyingMaterialLength(profile)];
        new Random(3).NextBytes(material);
        Assert.True(SrtpContextFactory.TryCreate(profile, material, isDtlsClient: false, out var local, out var remote));
        using var _ = remote;
        using var srtp = local;
        var sender = new RtpTrackSender(new RtpTrackSenderOptions
        {
            Ssrc = 1,
            PayloadType = 102,
            ClockRate = 90000,
            Mid = "0",
            MidExtensionId = 1,
            AbsSendTimeExtensionId = 2,
        }, srtp);
        ReadOnlyMemory<byte> payload = new byte[1200];
        var packet = new byte[sender.RequiredBufferSize];
        IPeerSessionHost host = port;
        uint timestamp = 0;

        void SendPackets()
        {
            for (var i = 0; i < 200; i++)
            {
                timestamp += 3000;
                Assert.True(sender.TryWritePacket(payload, i % 4 == 3, timestamp, TimeSpan.FromMilliseconds(timestamp), packet, out var n));
                host.Send(packet.AsSpan(0, n), destination);
            }
        }

        SendPackets(); // warm up: the first send caches the destination's SocketAddress
        Assert.Equal(0, Allocations.Least(SendPackets));
        Assert.True(viewer.Available > 0);
    }
}
