using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace EmsSharp.Server.Tests.Api;

public sealed class ApiLoadTests
{
    /// <summary>Length of the load run; EMS_LOAD_SECONDS overrides the default of 3 s.</summary>
    private static TimeSpan Duration =>
        TimeSpan.FromSeconds(double.TryParse(Environment.GetEnvironmentVariable("EMS_LOAD_SECONDS"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : 3);

    [Fact]
    public async Task Hundred_http_clients_and_twenty_cli_sessions_get_every_reply()
    {
        await using var ems = await TestEms.StartAsync();
        try
        {
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 100 };
            using var http = new HttpClient(handler) { BaseAddress = ems.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            var until = Stopwatch.StartNew();
            var sent = 0L;
            var valid = 0L;

            async Task HttpWorker(int worker)
            {
                for (var n = 0; until.Elapsed < Duration; n++)
                {
                    var room = $"h{worker}-{n}";
                    var keep = n % 4 == 0 ? 1 : 0;
                    var started = await HttpCall($"startWebrtc?ersip=10.0.0.1&ersport=4545&roomid={room}&keepalive={keep}");
                    Assert.Equal("SUCCESS", started.Status());
                    var id = started.Data().GetProperty("configId").GetInt64();
                    Assert.Equal("SUCCESS", (await HttpCall($"getConfigInfo?id={id}")).Status());
                    Assert.Equal("SUCCESS", (await HttpCall(n % 2 == 0 ? "listConfig" : "version")).Status());
                    var stopped = await HttpCall($"stopWebrtc?roomid={room}");
                    Assert.Equal(room, stopped.Data().GetProperty("roomid").GetString());
                }
            }

            async Task<JsonElement> HttpCall(string path)
            {
                Interlocked.Increment(ref sent);
                using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
                var reply = Envelope.Parse(await response.Content.ReadAsStringAsync());
                Interlocked.Increment(ref valid);
                return reply;
            }

            async Task CliWorker(int worker)
            {
                await using var cli = await ems.ConnectJsonAsync();
                for (var n = 0; until.Elapsed < Duration; n++)
                {
                    var room = $"c{worker}-{n}";
                    Interlocked.Increment(ref sent);
                    var started = await cli.JsonAsync($"startWebrtc ersip=10.0.0.2 ersport=4545 roomid={room} keepalive=0");
                    Interlocked.Increment(ref valid);
                    Assert.Equal("SUCCESS", started.Status());
                    Interlocked.Increment(ref sent);
                    var bad = await cli.JsonAsync("startWebrtc ersport=99999");
                    Interlocked.Increment(ref valid);
                    Assert.Equal("FAIL", bad.Status());
                    Interlocked.Increment(ref sent);
                    Assert.Equal("SUCCESS", (await cli.JsonAsync($"stopWebrtc roomid={room}")).Status());
                    Interlocked.Increment(ref valid);
                }
            }

            var tasks = new List<Task>();
            for (var i = 0; i < 100; i++)
            {
                var worker = i;
                tasks.Add(Task.Run(() => HttpWorker(worker)));
            }

            for (var i = 0; i < 20; i++)
            {
                var worker = i;
                tasks.Add(Task.Run(() => CliWorker(worker)));
            }
            await Task.WhenAll(tasks).WaitAsync(Duration + TimeSpan.FromSeconds(60));

            Assert.True(sent > 200, $"only {sent} requests");
            Console.WriteLine($"load: {sent} requests in {until.Elapsed.TotalSeconds:F1} s, all answered");
            Assert.Equal(sent, valid);
            var list = await ems.HttpAsync("listConfig");
            Assert.Equal(0, list.Data().GetProperty("webrtc").GetArrayLength());
        }
        finally
        {
            TestEms.DeleteFolder(ems.DataFolder);
        }
    }
}
