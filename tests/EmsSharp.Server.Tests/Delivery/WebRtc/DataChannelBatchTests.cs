using EmsSharp.Protocols.Sdp;

namespace EmsSharp.Server.Tests.Delivery.WebRtc;

/// <summary>
/// The DTLS records of one drain of a session's data channels leave the UDP port as one batch (sendmmsg, GSO), as a
/// srtp frame does, not one system call each: a message of many SCTP packets takes fewer calls than datagrams.
/// </summary>
public sealed class DataChannelBatchTests
{
    [Fact]
    public async Task A_message_of_many_sctp_packets_leaves_in_fewer_system_calls_than_datagrams()
    {
        await using var peers = LoopbackPeerPair.Create();
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        peers.Viewer.DataChannelOpenedByPeer += (_, channel) =>
            channel.MessageReceived += (_, message) => received.TrySetResult(message.Data.Length);
        var channel = peers.Server.CreateDataChannel("bulk");
        channel.Opened += _ => opened.TrySetResult();
        await peers.ConnectAsync(new WebRtcOfferOptions { DataChannel = true });
        await opened.Task.WaitAsync(TimeSpan.FromSeconds(20));

        var before = peers.ServerPort.SendStats;
        var message = new byte[200_000]; // about 170 SCTP packets
        Random.Shared.NextBytes(message);
        Assert.True(channel.Send(message));
        Assert.Equal(message.Length, await received.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        var after = peers.ServerPort.SendStats;

        var datagrams = after.Datagrams - before.Datagrams;
        var calls = after.SystemCalls - before.SystemCalls;
        Assert.True(datagrams >= 170, $"{datagrams} datagrams");
        Assert.True(calls * 2 <= datagrams, $"{datagrams} datagrams took {calls} system calls");
    }
}
