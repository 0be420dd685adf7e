using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Rendezvous.Tests;

public class ErsTokenAndAdminTests
{
    private static async Task<JsonElement> AdminAsync(ErsHost ers, string command, string id = "")
    {
        using HttpClient http = new();
        string json = await http.GetStringAsync(new Uri(
            $"http://127.0.0.1:{ers.AdminPort}/?c={command}&i={Uri.EscapeDataString(id)}"));
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    [Fact]
    public async Task ViewerToken_IsSingleClient_AndExpiresTenMinutesAfterFirstUse()
    {
        FakeTimeProvider time = new();
        await using ErsHost ers = await ErsTestHost.StartAsync(o =>
        {
            o.Server.TokensEnabled = true;
            o.Tokens.Add("t1");
            o.EmsTokens.Add(new("ek")); // with viewer tokens, the EMS role needs a token too

            // Fake time jumps minutes ahead: keep the sockets from timing out meanwhile.
            o.Server.HeartbeatInterval = 1200;
            o.Server.HeartbeatTimeout = 3600;
            o.Server.CloseTimeout = 3600;
        }, time);
        await using SocketIoTestClient ems = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal(JsonValueKind.Null, (await ems.JoinEmsAsync("r", "ek"))[0].ValueKind);

        await using SocketIoTestClient none = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal("invalid token", (await none.JoinAsync("r", new { streamName = "s" }))[0].GetString());
        Assert.Equal("invalid token", (await none.JoinAsync("r", new { token = "nope", streamName = "s" }))[0].GetString());

        await using SocketIoTestClient first = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal(JsonValueKind.Null, (await first.JoinAsync("r", new { token = "t1", streamName = "s" }))[0].ValueKind);
        // The same client may join again with its token; another may not.
        Assert.Equal(JsonValueKind.Null, (await first.JoinAsync("r", new { token = "t1", streamName = "s" }))[0].ValueKind);
        await using SocketIoTestClient second = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal("invalid token", (await second.JoinAsync("r", new { token = "t1", streamName = "s" }))[0].GetString());

        JsonElement list = await AdminAsync(ers, "listTokens");
        Assert.Equal(first.Sid, list.GetProperty("data")[0].GetProperty("usedBy").GetString());

        time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(JsonValueKind.Null, (await first.JoinAsync("r", new { token = "t1", streamName = "s" }))[0].ValueKind);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("invalid token", (await first.JoinAsync("r", new { token = "t1", streamName = "s" }))[0].GetString());
    }

    [Fact]
    public async Task ViewerToken_NotUsedUpByJoinIntoEmptyRoom()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o =>
        {
            o.Server.TokensEnabled = true;
            o.EmsTokens.Add(new("ek"));
        });
        JsonElement added = await AdminAsync(ers, "addToken");
        string token = added.GetProperty("data").GetProperty("token").GetString()!;
        await using SocketIoTestClient waiting = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal("[null,{\"clients\":{}}]", (await waiting.JoinAsync("r", new { token, streamName = "s" })).GetRawText());
        await waiting.EmitAsync("leave", false);

        // The stock player reconnects on a new socket (new id) while the room is empty: still admitted.
        await using SocketIoTestClient ems = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal(JsonValueKind.Null, (await ems.JoinEmsAsync("r", "ek"))[0].ValueKind);
        await using SocketIoTestClient again = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal(JsonValueKind.Null, (await again.JoinAsync("r", new { token, streamName = "s" }))[0].ValueKind);

        Assert.Equal("SUCCESS", (await AdminAsync(ers, "delToken", token)).GetProperty("status").GetString());
        Assert.Equal("FAIL", (await AdminAsync(ers, "delToken", token)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task AllowedRooms_AddRoomAndDelRoomViaAdmin()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o => o.AllowedRooms.Add("lobby"));
        await using SocketIoTestClient ems = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal("room not allowed", (await ems.JoinEmsAsync("stage"))[0].GetString());
        await using SocketIoTestClient browser = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal("room not allowed", (await browser.JoinAsync("stage", new { streamName = "s" }))[0].GetString());

        Assert.Equal("SUCCESS", (await AdminAsync(ers, "addRoom", "stage")).GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, (await ems.JoinEmsAsync("stage"))[0].ValueKind);
        JsonElement rooms = (await AdminAsync(ers, "listRooms")).GetProperty("data");
        Assert.Equal(2, rooms.GetArrayLength());
        JsonElement stage = rooms.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "stage");
        Assert.True(stage.GetProperty("ems").GetBoolean());
        Assert.Equal(0, stage.GetProperty("browsers").GetInt32());

        Assert.Equal("SUCCESS", (await AdminAsync(ers, "delRoom", "stage")).GetProperty("status").GetString());
        await using SocketIoTestClient late = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal("room not allowed", (await late.JoinAsync("stage", new { streamName = "s" }))[0].GetString());
    }

    [Fact]
    public async Task EmsTokens_Required_WhenConfigured()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o => o.EmsTokens.Add(new("emskey")));
        await using SocketIoTestClient ems = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal("invalid token", (await ems.JoinEmsAsync("r"))[0].GetString());
        Assert.Equal("invalid token", (await ems.JoinEmsAsync("r", "wrong"))[0].GetString());
        Assert.Equal(JsonValueKind.Null, (await ems.JoinEmsAsync("r", "emskey"))[0].ValueKind);

        Assert.Equal("SUCCESS", (await AdminAsync(ers, "addEMSToken", "k2")).GetProperty("status").GetString());
        JsonElement list = (await AdminAsync(ers, "listEMSToken")).GetProperty("data");
        Assert.Equal(2, list.GetArrayLength());
        await using SocketIoTestClient ems2 = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal(JsonValueKind.Null, (await ems2.JoinEmsAsync("r2", "k2"))[0].ValueKind);
        Assert.Equal("SUCCESS", (await AdminAsync(ers, "delEMSToken", "k2")).GetProperty("status").GetString());
        await using SocketIoTestClient ems3 = await SocketIoTestClient.ConnectAsync(ers.Port);
        Assert.Equal("invalid token", (await ems3.JoinEmsAsync("r3", "k2"))[0].GetString());
    }

    [Fact]
    public async Task Admin_VersionUnknownCommandAndPage()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync();
        JsonElement version = await AdminAsync(ers, "version");
        Assert.Equal("SUCCESS", version.GetProperty("status").GetString());
        Assert.Equal(3, version.EnumerateObject().Count());
        JsonElement unknown = await AdminAsync(ers, "explode");
        Assert.Equal("FAIL", unknown.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, unknown.GetProperty("data").ValueKind);
        Assert.Equal("FAIL", (await AdminAsync(ers, "addRoom")).GetProperty("status").GetString());

        using HttpClient http = new();
        string page = await http.GetStringAsync(new Uri($"http://127.0.0.1:{ers.AdminPort}/ersadmin.html"));
        Assert.Contains("listRooms", page, StringComparison.Ordinal);
        using HttpResponseMessage signallingAdmin = await http.GetAsync(new Uri($"http://127.0.0.1:{ers.Port}/?c=version"));
        Assert.NotEqual(HttpStatusCode.OK, signallingAdmin.StatusCode);
    }

    [Fact]
    public async Task AdminIP_is_the_caller_allowed_not_the_address_to_bind()
    {
        // EvoStream documents adminIP as the one remote address allowed to use the admin API. 192.0.2.10 (TEST-NET-1)
        // is on no interface here: as a bind address the ERS could not start; as the allowed caller it listens on its
        // bind address and refuses everyone else, this machine included.
        await using (ErsHost ers = await ErsTestHost.StartAsync(o => o.Server.AdminIP = "192.0.2.10"))
        {
            using HttpClient http = new();
            using HttpResponseMessage refused = await http.GetAsync(new Uri($"http://127.0.0.1:{ers.AdminPort}/?c=version"));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        // adminBindIP (ours) chooses where it listens; adminIP 0.0.0.0 allows any caller.
        await using (ErsHost open = await ErsTestHost.StartAsync(o =>
        {
            o.Server.AdminIP = "0.0.0.0";
            o.Server.AdminBindIP = "127.0.0.1";
        }))
        {
            Assert.Equal("SUCCESS", (await AdminAsync(open, "version")).GetProperty("status").GetString());
        }

        Assert.Throws<InvalidDataException>(() => ErsTestHost.Options(o => o.Server.AdminBindIP = "not-an-ip").Validate());
    }

    [Fact]
    public async Task PortInUse_StartFailsWithIOException()
    {
        await using ErsHost first = await ErsTestHost.StartAsync();
        await Assert.ThrowsAsync<IOException>(() => ErsTestHost.StartAsync(o => o.Server.Port = first.Port));
    }

    [Fact]
    public async Task StaticWeb_ServedFromWebRoot()
    {
        using TempFolder temp = new("ers-web");
        string root = temp.Path;
        await File.WriteAllTextAsync(Path.Combine(root, "index.html"), "<p>player</p>");
        await using ErsHost ers = await ErsTestHost.StartAsync(o =>
        {
            o.Server.WebServerEnabled = true;
            o.Server.WebRoot = root;
        });
        using HttpClient http = new();
        Assert.Equal("<p>player</p>", await http.GetStringAsync(new Uri($"http://127.0.0.1:{ers.Port}/index.html")));
        Assert.Equal("<p>player</p>", await http.GetStringAsync(new Uri($"http://127.0.0.1:{ers.Port}/")));
    }

    [Fact]
    public async Task Config_LoadsDefaultJsonShape_AndRejectsBadPorts()
    {
        using TempFolder temp = new("ers-config");
        string dir = temp.Path;
        string path = Path.Combine(dir, "default.json");
        await File.WriteAllTextAsync(path, """
            { "server": { "port": 4545, "secure": false, "key": "server.key", "cert": "server.cert",
                          "password": null, "tokensEnabled": true, "webServerEnabled": true,
                          "adminAccessEnabled": true, "adminIP": "127.0.0.1", "adminPort": 3030 },
              "allowedrooms": ["a"], "emsTokens": ["e", {"token": "b", "room": "a"}],
              "stunservers": [{"url":"stun:s:3478"}],
              "turnservers": [{"url":"turn:t:3478?transport=udp","secret":"x","expiry":86400}] }
            """);
        var options = Configuration.ErsOptions.Load(path);
        Assert.Equal(4545, options.Server.Port);
        Assert.True(options.Server.TokensEnabled);
        Assert.Equal(["a"], options.AllowedRooms);
        Assert.Equal([new Configuration.EmsTokenOptions("e"), new Configuration.EmsTokenOptions("b", "a")], options.EmsTokens);
        Assert.Single(options.TurnServers);
        Assert.Equal(Path.Combine(dir, "server.key"), options.Resolve(options.Server.Key));

        await File.WriteAllTextAsync(path, """{ "server": { "port": 70000 } }""");
        Assert.Throws<InvalidDataException>(() => Configuration.ErsOptions.Load(path));
        await File.WriteAllTextAsync(path, "{ not json");
        Assert.Throws<InvalidDataException>(() => Configuration.ErsOptions.Load(path));
        await File.WriteAllTextAsync(path, """{ "emsTokens": [{"room": "a"}] }""");
        Assert.Contains("emsTokens[].token", Assert.Throws<InvalidDataException>(() => Configuration.ErsOptions.Load(path)).Message, StringComparison.Ordinal);
        await File.WriteAllTextAsync(path, """{ "emsTokens": [42] }""");
        Assert.Throws<InvalidDataException>(() => Configuration.ErsOptions.Load(path));
    }
}
