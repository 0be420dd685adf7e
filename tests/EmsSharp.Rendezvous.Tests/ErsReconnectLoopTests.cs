using System.Text.Json;

namespace EmsSharp.Rendezvous.Tests;

/// <summary>
/// The stock player, while its room has no EMS, disconnects and connects again at once (PROTOCOL.md §3.2):
/// the loop must stay cheap, leave nothing behind, and get in as soon as the EMS arrives.
/// </summary>
public class ErsReconnectLoopTests
{
    [Fact]
    public async Task TightJoinLeaveLoop_LeavesNoState_AndGetsInWhenEmsArrives()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o => o.Limits.MaxSocketsPerIp = 4);
        for (int i = 0; i < 100; i++)
        {
            await using SocketIoTestClient player = await SocketIoTestClient.ConnectAsync(ers.Port);
            Assert.Equal("[null,{\"clients\":{}}]", (await player.JoinAsync("r", new { streamName = "s" })).GetRawText());
            await player.SendRawAsync("0::");
            await player.WaitClosedAsync();
        }

        // Wait until the server has released the last socket (it may lag the client by a moment).
        DateTime deadline = DateTime.UtcNow + SocketIoTestClient.Timeout;
        while (ers.State.Rooms.ListRooms().Count != 0 && DateTime.UtcNow < deadline)
        {
            await Task.Yield();
        }

        Assert.Empty(ers.State.Rooms.ListRooms());
        Assert.Equal(0, ers.State.Sessions.PendingCount);

        await using SocketIoTestClient ems = await SocketIoTestClient.ConnectAsync(ers.Port);
        await ems.JoinEmsAsync("r");
        await using SocketIoTestClient lastTry = await SocketIoTestClient.ConnectAsync(ers.Port);
        JsonElement ack = await lastTry.JoinAsync("r", new { streamName = "s" });
        Assert.True(ack[1].GetProperty("clients").TryGetProperty(ems.Sid, out _));
    }
}
