using System.Net.Http.Json;
using System.Text.Json;
using EmsSharp.Interop.Tests.Rendezvous;

namespace EmsSharp.Interop.Tests.Playback;

/// <summary>The ERS connection of a WebRTC service as the API shows it (PROTOCOL.md §1.5, §2.2).</summary>
public sealed class ErsConnectorTests
{
    [Fact]
    public async Task A_second_ems_for_a_held_room_is_refused_and_stopWebrtc_leaves_the_room()
    {
        await using var ers = await PlaybackRig.StartErsAsync();
        var folders = new[] { Directory.CreateTempSubdirectory("ems-a-").FullName, Directory.CreateTempSubdirectory("ems-b-").FullName };
        try
        {
            await using var first = await PlaybackRig.StartEmsAsync(folders[0]);
            await using var second = await PlaybackRig.StartEmsAsync(folders[1]);
            using var a = new HttpClient { BaseAddress = new Uri($"http://{first.HttpEndPoint}/") };
            using var b = new HttpClient { BaseAddress = new Uri($"http://{second.HttpEndPoint}/") };
            var start = $"startWebrtc?ersip=127.0.0.1&ersport={ers.Port}&roomid=held";

            var idA = (await GetAsync(a, start)).GetProperty("data").GetProperty("configId").GetInt64();
            await WaitForStatusAsync(a, idA, 3, "joined room held on ERS 127.0.0.1:"); // EvoStream's 3 Connected
            var idB = (await GetAsync(b, start)).GetProperty("data").GetProperty("configId").GetInt64();
            await WaitForStatusAsync(b, idB, 5, "room taken"); // 5 Connection failed

            // The holder leaves cleanly; the second one's keepAlive retry then gets the room.
            await GetAsync(a, "stopWebrtc?roomid=held");
            await WaitForStatusAsync(b, idB, 3, "joined room held");
        }
        finally
        {
            foreach (var folder in folders)
                Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task An_ersip_list_whose_first_node_is_down_joins_through_the_next_and_shows_the_node_in_use()
    {
        await using var ers = await PlaybackRig.StartErsAsync();
        var folder = Directory.CreateTempSubdirectory("ems-list-").FullName;
        try
        {
            await using var ems = await PlaybackRig.StartEmsAsync(folder);
            using var api = new HttpClient { BaseAddress = new Uri($"http://{ems.HttpEndPoint}/") };
            var list = $"127.0.0.1:{LoopbackPort.Closed()},127.0.0.1";

            var data = (await GetAsync(api, $"startWebrtc?ersip={list}&ersport={ers.Port}&roomid=listed")).GetProperty("data");

            Assert.Equal(list, data.GetProperty("ersip").GetString()); // kept as given
            await WaitForStatusAsync(api, data.GetProperty("configId").GetInt64(), 3, $"joined room listed on ERS 127.0.0.1:{ers.Port}");
            var service = (await GetAsync(api, "listWebrtcPeers?roomid=listed")).GetProperty("data")[0];
            Assert.Equal(list, service.GetProperty("ersip").GetString());
            Assert.Equal($"127.0.0.1:{ers.Port}", service.GetProperty("ersAddress").GetString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_browser_beyond_WebRtc_MaxViewers_is_refused_through_the_ers_with_reason_unavailable()
    {
        await using var rig = await PlaybackRig.StartWithoutBrowserAsync("--WebRtc:MaxViewers", "1");
        await rig.StartWebrtcAsync();

        // The first browser asks for a stream not (yet) live: its session holds the one place while it waits.
        var (first, _) = await NodePeer.ConnectSocketIoAsync(rig.Ers.Port);
        await using (first)
        {
            Assert.Equal(JsonValueKind.Null, (await first.JoinAsync(PlaybackRig.Room, new { streamName = "nosuch", transport = "srtp" }))[0].ValueKind);
            var (second, _) = await NodePeer.ConnectSocketIoAsync(rig.Ers.Port);
            await using (second)
            {
                Assert.Equal(JsonValueKind.Null, (await second.JoinAsync(PlaybackRig.Room, new { streamName = "test", transport = "srtp" }))[0].ValueKind);
                var refusal = (await second.WaitAsync("message")).GetProperty("data");
                Assert.Equal("connectivityError", refusal.GetProperty("type").GetString());
                Assert.Equal("unavailable", refusal.GetProperty("payload").GetProperty("reason").GetString());
                Assert.Contains("WebRtc:MaxViewers = 1", refusal.GetProperty("payload").GetProperty("description").GetString(), StringComparison.Ordinal);
                Assert.True(first.HasNo("message")); // the first is undisturbed, still waiting for its stream
            }
        }
    }

    private static async Task<JsonElement> GetAsync(HttpClient client, string pathAndQuery)
    {
        var reply = await client.GetFromJsonAsync<JsonElement>(new Uri(pathAndQuery, UriKind.Relative));
        Assert.Equal("SUCCESS", reply.GetProperty("status").GetString());
        return reply;
    }

    private static async Task WaitForStatusAsync(HttpClient client, long id, int code, string description)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var current = (await GetAsync(client, $"getConfigInfo?id={id}")).GetProperty("data").GetProperty("status").GetProperty("current");
            if (current.GetProperty("code").GetInt32() == code
                && current.GetProperty("description").GetString()!.Contains(description, StringComparison.Ordinal))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"expected {code} {description}; got {current}");
            await Task.Delay(50);
        }
    }
}
