using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace EmsSharp.Rendezvous.Tests;

/// <summary>A bounded load run on loopback: many concurrent sockets join rooms and exchange messages.</summary>
public class ErsLoadTests(ITestOutputHelper output)
{
    private const int Clients = 500;
    private const int Rooms = 10;

    [Fact]
    public async Task FiveHundredClients_JoinAndRelay()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o =>
        {
            o.Limits.HandshakeBurst = Clients;
            o.Limits.MaxSocketsPerIp = Clients * 2;
        });
        Stopwatch watch = Stopwatch.StartNew();
        List<SocketIoTestClient> all = [];
        try
        {
            SocketIoTestClient[] ems = new SocketIoTestClient[Rooms];
            for (int r = 0; r < Rooms; r++)
            {
                ems[r] = await SocketIoTestClient.ConnectAsync(ers.Port);
                all.Add(ems[r]);
                Assert.Equal(JsonValueKind.Null, (await ems[r].JoinEmsAsync($"room{r}"))[0].ValueKind);
            }

            SocketIoTestClient[] browsers = new SocketIoTestClient[Clients - Rooms];
            for (int start = 0; start < browsers.Length; start += 50)
            {
                Task<SocketIoTestClient>[] batch = new Task<SocketIoTestClient>[Math.Min(50, browsers.Length - start)];
                for (int i = 0; i < batch.Length; i++)
                {
                    batch[i] = SocketIoTestClient.ConnectAsync(ers.Port);
                }

                SocketIoTestClient[] connected = await Task.WhenAll(batch);
                connected.CopyTo(browsers, start);
                all.AddRange(connected);
            }

            TimeSpan connectTime = watch.Elapsed;
            Task<JsonElement>[] joins = new Task<JsonElement>[browsers.Length];
            for (int i = 0; i < browsers.Length; i++)
            {
                joins[i] = browsers[i].JoinAsync($"room{i % Rooms}", new { streamName = "s", transport = "fmp4" });
            }

            foreach (JsonElement ack in await Task.WhenAll(joins))
            {
                Assert.Equal(JsonValueKind.Null, ack[0].ValueKind);
            }

            // Each EMS sees its browsers join and offers to each of them.
            for (int r = 0; r < Rooms; r++)
            {
                for (int i = r; i < browsers.Length; i += Rooms)
                {
                    string id = (await ems[r].NextEventAsync("clientJoined")).GetProperty("id").GetString()!;
                    await ems[r].EmitAsync("message", false, new { to = id, type = "offer", payload = new { type = "offer", sdp = "v=0" } });
                }
            }

            for (int i = 0; i < browsers.Length; i++)
            {
                JsonElement offer = await browsers[i].NextEventAsync("message");
                Assert.Equal(ems[i % Rooms].Sid, offer.GetProperty("from").GetString());
            }

            output.WriteLine($"{Clients} sockets connected in {connectTime.TotalMilliseconds:F0} ms; joined and relayed by {watch.Elapsed.TotalMilliseconds:F0} ms");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"took {watch.Elapsed}");
        }
        finally
        {
            foreach (SocketIoTestClient client in all)
            {
                await client.DisposeAsync();
            }
        }
    }
}
