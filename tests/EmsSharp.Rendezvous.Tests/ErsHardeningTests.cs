using System.Net;
using System.Text.Json;
using EmsSharp.Rendezvous.Configuration;
using Microsoft.Extensions.Logging;

namespace EmsSharp.Rendezvous.Tests;

/// <summary>Issue 12 on the ers: who may claim a room as its EMS, rooms that stay closed, admin changes that survive a restart, and an admin API a browser page cannot drive.</summary>
public class ErsHardeningTests
{
    private static async Task<JsonElement> AdminAsync(ErsHost ers, string query, Action<HttpRequestMessage>? headers = null)
    {
        using HttpClient http = new();
        using HttpRequestMessage request = new(HttpMethod.Get, $"http://127.0.0.1:{ers.AdminPort}/?{query}");
        headers?.Invoke(request);
        using HttpResponseMessage response = await http.SendAsync(request);
        JsonElement reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        Assert.Equal(reply.GetProperty("status").GetString() == "FAIL" && response.StatusCode == HttpStatusCode.Forbidden
            ? HttpStatusCode.Forbidden : HttpStatusCode.OK, response.StatusCode);
        return reply;
    }

    private static async Task<string> StatusAsync(ErsHost ers, string query) => (await AdminAsync(ers, query)).GetProperty("status").GetString()!;

    private static async Task<string?> JoinEmsAsync(ErsHost ers, string room, string token = "")
    {
        await using SocketIoTestClient ems = await SocketIoTestClient.ConnectAsync(ers.Port);
        JsonElement error = (await ems.JoinEmsAsync(room, token))[0];
        return error.ValueKind == JsonValueKind.Null ? null : error.GetString();
    }

    [Fact]
    public async Task NoTokenConfigured_AnyEmsMayJoin_AndTheStartWarnsThatRoomsAreOpen()
    {
        using StartupLog log = new();
        await using ErsHost ers = await ErsHost.StartAsync(ErsTestHost.Options(), null, log.Factory);
        Assert.True(log.Any(LogLevel.Warning, "Rooms are open to any EMS: set emsTokens"));
        Assert.Null(await JoinEmsAsync(ers, "demo"));
        Assert.Equal("EMS tokens (none required: any EMS may join)", (await AdminAsync(ers, "c=listEMSToken")).GetProperty("description").GetString());
        Assert.Equal("Rooms (any room may be joined)", (await AdminAsync(ers, "c=listRooms")).GetProperty("description").GetString());
    }

    [Fact]
    public async Task TokensEnabled_WithoutEmsTokens_RefusesTheEmsRole_UntilAnEmsTokenIsAdded()
    {
        using StartupLog log = new();
        await using ErsHost ers = await ErsHost.StartAsync(ErsTestHost.Options(o =>
        {
            o.Server.TokensEnabled = true;
            o.Tokens.Add("viewer");
        }), null, log.Factory);
        Assert.False(log.Any(LogLevel.Warning, "open to any EMS"));
        Assert.True(log.Any(LogLevel.Warning, "No EMS can join"));
        Assert.Equal("invalid token", await JoinEmsAsync(ers, "r"));
        Assert.Equal("invalid token", await JoinEmsAsync(ers, "r", "viewer")); // a viewer token is no EMS token

        Assert.Equal("SUCCESS", await StatusAsync(ers, "c=addEMSToken&i=ek"));
        Assert.Null(await JoinEmsAsync(ers, "r", "ek"));
    }

    [Fact]
    public async Task DelEmsToken_OfTheLastToken_LeavesTheEmsRoleClosed()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync();
        Assert.Equal("SUCCESS", await StatusAsync(ers, "c=addEMSToken&i=ek"));
        Assert.Equal("invalid token", await JoinEmsAsync(ers, "r"));
        Assert.Equal("SUCCESS", await StatusAsync(ers, "c=delEMSToken&i=ek"));
        Assert.Equal("EMS tokens (an EMS must present one)", (await AdminAsync(ers, "c=listEMSToken")).GetProperty("description").GetString());
        Assert.Equal("invalid token", await JoinEmsAsync(ers, "r"));
        Assert.Equal("invalid token", await JoinEmsAsync(ers, "r", "ek"));
    }

    [Fact]
    public async Task DelRoom_OfTheLastConfiguredRoom_LeavesRoomsClosed()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o => o.AllowedRooms.Add("lobby"));
        Assert.Null(await JoinEmsAsync(ers, "lobby"));
        Assert.Equal("SUCCESS", await StatusAsync(ers, "c=delRoom&i=lobby"));
        Assert.Equal("room not allowed", await JoinEmsAsync(ers, "lobby"));
        Assert.Equal("room not allowed", await JoinEmsAsync(ers, "anything"));
        Assert.Equal("Rooms (only allowed rooms may be joined)", (await AdminAsync(ers, "c=listRooms")).GetProperty("description").GetString());
    }

    [Fact]
    public async Task AddRoomThenDelRoom_OnAnOpenErs_LeavesRoomsClosed()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync();
        Assert.Null(await JoinEmsAsync(ers, "free"));
        Assert.Equal("SUCCESS", await StatusAsync(ers, "c=addRoom&i=stage"));
        Assert.Equal("SUCCESS", await StatusAsync(ers, "c=delRoom&i=stage"));
        Assert.Equal("room not allowed", await JoinEmsAsync(ers, "free"));
        Assert.Equal("room not allowed", await JoinEmsAsync(ers, "stage"));
    }

    [Fact]
    public async Task BoundEmsToken_AdmitsOnlyItsRoom_UnboundAnyRoom()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o =>
        {
            o.EmsTokens.Add(new("cam-a", "a"));
            o.EmsTokens.Add(new("master"));
        });
        Assert.Equal("invalid token", await JoinEmsAsync(ers, "b", "cam-a"));
        Assert.Null(await JoinEmsAsync(ers, "a", "cam-a"));
        Assert.Null(await JoinEmsAsync(ers, "b", "master"));

        Assert.Equal("SUCCESS", await StatusAsync(ers, "c=addEMSToken&i=cam-c&room=c"));
        Assert.Equal("invalid token", await JoinEmsAsync(ers, "a", "cam-c"));
        Assert.Null(await JoinEmsAsync(ers, "c", "cam-c"));
        JsonElement reply = await AdminAsync(ers, "c=listEMSToken");
        Assert.Contains("cam-c", reply.GetProperty("data").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains("master", reply.GetProperty("data").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("c", reply.GetProperty("boundRooms").GetProperty("cam-c").GetString());
        Assert.False(reply.GetProperty("boundRooms").TryGetProperty("master", out _));
    }

    [Fact]
    public async Task AdminChanges_SurviveARestart_InA0600StateFile()
    {
        using TempFolder temp = new("ers-state");
        string path = Path.Combine(temp.Path, "state.json");
        void Configure(ErsOptions o)
        {
            o.StateFile = path;
            o.AllowedRooms.Add("configured");
        }

        await using (ErsHost ers = await ErsTestHost.StartAsync(Configure))
        {
            Assert.False(File.Exists(path)); // nothing changed yet
            Assert.Equal("SUCCESS", await StatusAsync(ers, "c=addRoom&i=added"));
            Assert.Equal("SUCCESS", await StatusAsync(ers, "c=delRoom&i=configured"));
            Assert.Equal("SUCCESS", await StatusAsync(ers, "c=addEMSToken&i=ek&room=added"));
            Assert.Equal("SUCCESS", await StatusAsync(ers, "c=addToken&i=vt"));
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.False(File.Exists(path + ".tmp"));
        await using (ErsHost again = await ErsTestHost.StartAsync(Configure))
        {
            Assert.Equal("room not allowed", await JoinEmsAsync(again, "configured", "ek"));
            Assert.Equal("invalid token", await JoinEmsAsync(again, "added"));
            Assert.Null(await JoinEmsAsync(again, "added", "ek"));
            Assert.Equal("vt", (await AdminAsync(again, "c=listTokens")).GetProperty("data")[0].GetProperty("token").GetString());
            Assert.Equal("SUCCESS", await StatusAsync(again, "c=delRoom&i=added"));
        }

        // The emptied list stays closed across a restart too.
        await using (ErsHost third = await ErsTestHost.StartAsync(Configure))
        {
            Assert.Equal("room not allowed", await JoinEmsAsync(third, "added", "ek"));
        }
    }

    [Fact]
    public async Task UsedViewerToken_StaysUsedAfterARestart()
    {
        using TempFolder temp = new("ers-state");
        string path = Path.Combine(temp.Path, "state.json");
        void Configure(ErsOptions o)
        {
            o.StateFile = path;
            o.Server.TokensEnabled = true;
            o.EmsTokens.Add(new("ek"));
            o.Tokens.Add("vt");
        }

        await using (ErsHost ers = await ErsTestHost.StartAsync(Configure))
        {
            await using SocketIoTestClient ems = await SocketIoTestClient.ConnectAsync(ers.Port);
            Assert.Equal(JsonValueKind.Null, (await ems.JoinEmsAsync("r", "ek"))[0].ValueKind);
            await using SocketIoTestClient browser = await SocketIoTestClient.ConnectAsync(ers.Port);
            Assert.Equal(JsonValueKind.Null, (await browser.JoinAsync("r", new { token = "vt", streamName = "s" }))[0].ValueKind);

            // The use is saved in the background; an admin change saves it at once with everything else.
            Assert.Equal("SUCCESS", await StatusAsync(ers, "c=addToken&i=other"));
        }

        await using ErsHost again = await ErsTestHost.StartAsync(Configure);
        await using SocketIoTestClient ems2 = await SocketIoTestClient.ConnectAsync(again.Port);
        Assert.Equal(JsonValueKind.Null, (await ems2.JoinEmsAsync("r", "ek"))[0].ValueKind);
        await using SocketIoTestClient thief = await SocketIoTestClient.ConnectAsync(again.Port);
        Assert.Equal("invalid token", (await thief.JoinAsync("r", new { token = "vt", streamName = "s" }))[0].GetString());
        Assert.Equal(JsonValueKind.Null, (await thief.JoinAsync("r", new { token = "other", streamName = "s" }))[0].ValueKind);
    }

    [Fact]
    public async Task CorruptStateFile_StopsTheStartWithItsName_AndIsLeftAsItWas()
    {
        using TempFolder temp = new("ers-state");
        string path = Path.Combine(temp.Path, "state.json");
        await File.WriteAllTextAsync(path, "{ \"allowedRooms\": [ broken");
        InvalidDataException e = await Assert.ThrowsAsync<InvalidDataException>(() => ErsTestHost.StartAsync(o => o.StateFile = path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Equal("{ \"allowedRooms\": [ broken", await File.ReadAllTextAsync(path));

        foreach (string bad in (string[])["null", "{\"allowedRooms\": null}", "{\"tokens\": [null]}", "{\"emsTokens\": [\"\"]}", "{\"allowedRooms\": [\"\"]}"])
        {
            await File.WriteAllTextAsync(path, bad);
            Assert.Contains(path, (await Assert.ThrowsAsync<InvalidDataException>(() => ErsTestHost.StartAsync(o => o.StateFile = path))).Message, StringComparison.Ordinal);
        }

        // A path that cannot be read at all (a folder) is the same clear refusal.
        File.Delete(path);
        Directory.CreateDirectory(path);
        Assert.Contains("cannot be read", (await Assert.ThrowsAsync<InvalidDataException>(() => ErsTestHost.StartAsync(o => o.StateFile = path))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StateFileNotWritable_AdminCommandFails_SayingTheChangeIsNotSaved()
    {
        using TempFolder temp = new("ers-state");

        // A folder where the temporary file goes: the save cannot write it.
        string path = Path.Combine(temp.Path, "state.json");
        Directory.CreateDirectory(path + ".tmp");
        await using ErsHost ers = await ErsTestHost.StartAsync(o => o.StateFile = path);
        JsonElement reply = await AdminAsync(ers, "c=addRoom&i=r");
        Assert.Equal("FAIL", reply.GetProperty("status").GetString());
        Assert.Contains("Room added, but not saved", reply.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData("Host", "evil.example:3030")]
    [InlineData("Origin", "http://evil.example")]
    [InlineData("Origin", "null")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    [InlineData("Referer", "http://evil.example/page.html")]
    public async Task BrowserRequestFromAnotherSite_Gets403JsonFail_AndChangesNothing(string header, string value)
    {
        await using ErsHost ers = await ErsTestHost.StartAsync();
        JsonElement reply = await AdminAsync(ers, "c=addRoom&i=evil", r =>
        {
            if (header == "Host")
            {
                r.Headers.Host = value;
            }
            else
            {
                r.Headers.TryAddWithoutValidation(header, value);
            }
        });
        Assert.Equal("FAIL", reply.GetProperty("status").GetString());
        Assert.Contains(header == "Host" ? "DNS rebinding" : "cross-site", reply.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Empty((await AdminAsync(ers, "c=listRooms")).GetProperty("data").EnumerateArray());
        Assert.Null(await JoinEmsAsync(ers, "anything")); // still open: the addRoom never ran
    }

    [Fact]
    public async Task SameOriginPageAndScripts_StillDriveTheAdminApi()
    {
        await using ErsHost ers = await ErsTestHost.StartAsync(o => o.Server.AdminHosts.Add("ers-admin.internal"));
        Assert.Equal("SUCCESS", await StatusAsync(ers, "c=addRoom&i=plain")); // curl: no Origin
        JsonElement page = await AdminAsync(ers, "c=addRoom&i=page", r =>
        {
            r.Headers.TryAddWithoutValidation("Origin", $"http://127.0.0.1:{ers.AdminPort}");
            r.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "same-origin");
            r.Headers.TryAddWithoutValidation("Referer", $"http://localhost:{ers.AdminPort}/ersadmin.html");
        });
        Assert.Equal("SUCCESS", page.GetProperty("status").GetString());
        JsonElement named = await AdminAsync(ers, "c=addRoom&i=named", r => r.Headers.Host = $"ers-admin.internal:{ers.AdminPort}");
        Assert.Equal("SUCCESS", named.GetProperty("status").GetString());
        JsonElement typed = await AdminAsync(ers, "c=listRooms", r => r.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "none"));
        Assert.Equal(3, typed.GetProperty("data").GetArrayLength());
    }
}
