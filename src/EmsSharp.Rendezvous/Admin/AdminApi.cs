using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.Rendezvous.Rooms;

namespace EmsSharp.Rendezvous.Admin;

/// <summary>
/// The admin API (PROTOCOL.md §2.3): <c>GET /?c=&lt;command&gt;&amp;i=&lt;id&gt;</c> answered with
/// <c>{"status","description","data"}</c>, and <c>/ersadmin.html</c>. Answers only the configured admin IP.
/// </summary>
internal sealed class AdminApi(ErsState state, ILogger logger)
{
    private static readonly Lazy<byte[]> AdminPage = new(LoadPage);

    public async Task HandleAsync(HttpContext context)
    {
        IPAddress remote = context.Connection.RemoteIpAddress ?? IPAddress.None;
        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }

        if (!IsAllowed(remote))
        {
            ErsLog.AdminRefused(logger, remote.ToString());
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        string path = context.Request.Path.Value ?? "/";
        if (path is "/ersadmin.html" || (path == "/" && !context.Request.Query.ContainsKey("c")))
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.Body.WriteAsync(AdminPage.Value, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (path != "/")
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        string command = context.Request.Query["c"].ToString();
        string id = context.Request.Query["i"].ToString();
        JsonObject reply = Execute(command, id);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(reply.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }

    internal JsonObject Execute(string command, string id)
    {
        TokenStore tokens = state.Tokens;
        int max = state.Options.Limits.MaxNameLength;
        if (id.Length > max)
        {
            return Fail($"i is longer than {max} characters");
        }

        switch (command.ToUpperInvariant())
        {
            case "VERSION":
                return Success("ERS version", new JsonObject { ["version"] = Version, ["protocol"] = "socket.io 1" });
            case "ADDTOKEN":
                string token = id.Length > 0 ? id : Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
                return tokens.AddViewerToken(token) ? Success("Token added", new JsonObject { ["token"] = token }) : Fail($"Token {token} exists");
            case "DELTOKEN":
                return Need(id) ?? (tokens.RemoveViewerToken(id) ? Success("Token removed", null) : Fail($"Unknown token {id}"));
            case "LISTTOKENS":
                JsonArray list = [];
                foreach (var (value, usedBy, expires) in tokens.ListViewerTokens())
                {
                    list.Add(new JsonObject { ["token"] = value, ["usedBy"] = usedBy, ["expires"] = expires?.ToString("O") });
                }

                return Success("Tokens", list);
            case "ADDROOM":
                return Need(id) ?? (tokens.AddRoom(id) ? Success("Room added", null) : Fail($"Room {id} exists"));
            case "DELROOM":
                return Need(id) ?? (tokens.RemoveRoom(id) ? Success("Room removed", null) : Fail($"Unknown room {id}"));
            case "LISTROOMS":
                JsonArray rooms = [];
                foreach (RoomInfo room in state.Rooms.ListRooms())
                {
                    rooms.Add(new JsonObject { ["name"] = room.Name, ["ems"] = room.Ems, ["browsers"] = room.Browsers, ["allowed"] = room.Allowed });
                }

                return Success("Rooms", rooms);
            case "ADDEMSTOKEN":
                return Need(id) ?? (tokens.AddEmsToken(id) ? Success("EMS token added", null) : Fail($"EMS token {id} exists"));
            case "DELEMSTOKEN":
                return Need(id) ?? (tokens.RemoveEmsToken(id) ? Success("EMS token removed", null) : Fail($"Unknown EMS token {id}"));
            case "LISTEMSTOKEN":
            case "LISTEMSTOKENS":
                return Success("EMS tokens", JsonSerializer.SerializeToNode(tokens.ListEmsTokens()));
            default:
                return Fail($"Unknown command '{command}'. Commands: version, addToken, delToken, listTokens, addRoom, delRoom, listRooms, addEMSToken, delEMSToken, listEMSToken");
        }
    }

    private static string Version => typeof(AdminApi).Assembly.GetName().Version?.ToString() ?? "0";

    private bool IsAllowed(IPAddress remote)
    {
        IPAddress admin = IPAddress.Parse(state.Options.Server.AdminIP);
        return admin.Equals(IPAddress.Any) || admin.Equals(IPAddress.IPv6Any) || admin.Equals(remote)
            || (IPAddress.IsLoopback(admin) && IPAddress.IsLoopback(remote));
    }

    private static JsonObject? Need(string id) => id.Length == 0 ? Fail("Missing parameter i") : null;

    private static JsonObject Success(string description, JsonNode? data) =>
        new() { ["status"] = "SUCCESS", ["description"] = description, ["data"] = data };

    private static JsonObject Fail(string description) =>
        new() { ["status"] = "FAIL", ["description"] = description, ["data"] = null };

    private static byte[] LoadPage()
    {
        using Stream? stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("EmsSharp.Rendezvous.Admin.ersadmin.html");
        if (stream is null)
        {
            return "<!doctype html><title>ERS admin</title>"u8.ToArray();
        }

        using MemoryStream copy = new();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
