using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.Rendezvous.Cluster;
using EmsSharp.Rendezvous.Rooms;

namespace EmsSharp.Rendezvous.Admin;

/// <summary>
/// The admin API (PROTOCOL.md §2.3): <c>GET /?c=&lt;command&gt;&amp;i=&lt;id&gt;</c> answered with
/// <c>{"status","description","data"}</c>, and <c>/ersadmin.html</c>. Answers only the configured admin IP, and
/// refuses what a browser was tricked into sending (<see cref="AdminRequestGuard"/>).
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

        HttpRequest request = context.Request;
        IPAddress local = context.Connection.LocalIpAddress ?? IPAddress.None;
        if (AdminRequestGuard.Refusal(request.Headers.Host, request.Headers.Origin, request.Headers["Sec-Fetch-Site"],
                request.Headers.Referer, new IPEndPoint(local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local, context.Connection.LocalPort),
                state.Options.Server.AdminHosts) is { } refusal)
        {
            ErsLog.AdminForbidden(logger, remote.ToString(), refusal);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await WriteJsonAsync(context, Fail(refusal)).ConfigureAwait(false);
            return;
        }

        string path = request.Path.Value ?? "/";
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

        await WriteJsonAsync(context, await ExecuteAsync(request.Query["c"].ToString(), request.Query["i"].ToString(), request.Query["room"].ToString())
            .ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>Runs one command; a command that changed rooms or tokens is saved to the state file before the reply.</summary>
    internal async Task<JsonObject> ExecuteAsync(string command, string id, string room = "")
    {
        int max = state.Options.Limits.MaxNameLength;
        if (id.Length > max || room.Length > max)
        {
            return Fail($"i and room must be at most {max} characters");
        }

        (JsonObject reply, bool changed) = await RunAsync(command, id, room).ConfigureAwait(false);
        if (changed && state.SaveAdminState() is { } error)
        {
            return Fail($"{reply["description"]}, but not saved to {state.StateFile!.Path} ({error}): the change is lost at restart");
        }

        return reply;
    }

    private async Task<(JsonObject Reply, bool Changed)> RunAsync(string command, string id, string room)
    {
        TokenStore tokens = state.Tokens;

        switch (command.ToUpperInvariant())
        {
            case "VERSION":
                return Read(Success("ERS version", new JsonObject { ["version"] = Version, ["protocol"] = "socket.io 1" }));
            case "ADDTOKEN":
                string token = id.Length > 0 ? id : Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
                return await ChangeAsync(AdminChange.AddViewerToken, token, null, () => tokens.AddViewerToken(token),
                    Success("Token added", new JsonObject { ["token"] = token }), $"Token {token} exists").ConfigureAwait(false);
            case "DELTOKEN":
                return Need(id) ?? await ChangeAsync(AdminChange.RemoveViewerToken, id, null, () => tokens.RemoveViewerToken(id),
                    Success("Token removed", null), $"Unknown token {id}").ConfigureAwait(false);
            case "LISTTOKENS":
                JsonArray list = [];
                foreach (var (value, usedBy, expires) in tokens.ListViewerTokens())
                {
                    list.Add(new JsonObject { ["token"] = value, ["usedBy"] = usedBy, ["expires"] = expires?.ToString("O") });
                }

                return Read(Success("Tokens", list));
            case "ADDROOM":
                return Need(id) ?? await ChangeAsync(AdminChange.AddRoom, id, null, () => tokens.AddRoom(id),
                    Success("Room added", null), $"Room {id} exists").ConfigureAwait(false);
            case "DELROOM":
                return Need(id) ?? await ChangeAsync(AdminChange.RemoveRoom, id, null, () => tokens.RemoveRoom(id),
                    Success("Room removed", null), $"Unknown room {id}").ConfigureAwait(false);
            case "LISTROOMS":
                JsonArray rooms = [];
                foreach (RoomInfo info in state.Rooms.ListRooms())
                {
                    JsonObject row = new() { ["name"] = info.Name, ["ems"] = info.Ems, ["browsers"] = info.Browsers, ["allowed"] = info.Allowed };
                    if (state.Options.Server.MultiEmsRooms)
                    {
                        // Ours: how the room's browsers are split over its EMS, and the load each last reported.
                        row["emsCount"] = info.Emss.Count;
                        row["emss"] = new JsonArray([.. info.Emss.Select(e => (JsonNode)new JsonObject
                        {
                            ["id"] = e.Id,
                            ["handed"] = e.Handed,
                            ["load"] = e.Load is null ? null : JsonSerializer.SerializeToNode(e.Load),
                        })]);
                    }

                    rooms.Add(row);
                }

                return Read(Success(tokens.RoomsRestricted ? "Rooms (only allowed rooms may be joined)" : "Rooms (any room may be joined)", rooms));
            case "ADDEMSTOKEN":
                string? bound = room.Length > 0 ? room : null;
                return Need(id) ?? await ChangeAsync(AdminChange.AddEmsToken, id, bound, () => tokens.AddEmsToken(id, bound),
                    Success(bound is null ? "EMS token added (any room)" : $"EMS token added (room {bound} only)", null), $"EMS token {id} exists")
                    .ConfigureAwait(false);
            case "DELEMSTOKEN":
                return Need(id) ?? await ChangeAsync(AdminChange.RemoveEmsToken, id, null, () => tokens.RemoveEmsToken(id),
                    Success("EMS token removed", null), $"Unknown EMS token {id}").ConfigureAwait(false);
            case "LISTEMSTOKEN":
            case "LISTEMSTOKENS":
                // data stays the list of token strings scripts already read; a room-bound token also appears in
                // boundRooms (token -> room).
                JsonArray emsTokens = [];
                JsonObject boundRooms = [];
                foreach (var (value, only) in tokens.ListEmsTokens())
                {
                    emsTokens.Add(value);
                    if (only is not null)
                    {
                        boundRooms[value] = only;
                    }
                }

                JsonObject tokenReply = Success(tokens.EmsTokenRequired ? "EMS tokens (an EMS must present one)" : "EMS tokens (none required: any EMS may join)", emsTokens);
                tokenReply["boundRooms"] = boundRooms;
                return Read(tokenReply);
            default:
                return Read(Fail($"Unknown command '{command}'. Commands: version, addToken, delToken, listTokens, addRoom, delRoom, listRooms, addEMSToken (room= binds it), delEMSToken, listEMSToken"));
        }
    }

    private static string Version => typeof(AdminApi).Assembly.GetName().Version?.ToString() ?? "0";

    private bool IsAllowed(IPAddress remote)
    {
        IPAddress admin = IPAddress.Parse(state.Options.Server.AdminIP);
        return admin.Equals(IPAddress.Any) || admin.Equals(IPAddress.IPv6Any) || admin.Equals(remote)
            || (IPAddress.IsLoopback(admin) && IPAddress.IsLoopback(remote));
    }

    private static (JsonObject, bool)? Need(string id) => id.Length == 0 ? Read(Fail("Missing parameter i")) : null;

    private static (JsonObject, bool) Read(JsonObject reply) => (reply, false);

    // Makes a change here, or with a cluster for every node (ClusterTokenStore.ChangeAsync): refused while Redis is away,
    // for two nodes' changes made alone could not be merged back.
    private async Task<(JsonObject, bool)> ChangeAsync(AdminChange change, string name, string? room, Func<bool> applyHere, JsonObject success, string failure)
    {
        if (state.Tokens.Shared is not { } shared)
        {
            return Change(applyHere(), success, failure);
        }

        return await shared.ChangeAsync(change, name, room, applyHere).ConfigureAwait(false) is { } done
            ? Change(done, success, failure)
            : Read(Fail("Redis does not answer (or restarted empty and is being filled in again): admin changes are refused until it is back (joins go on checked against the rooms and tokens this node last had); nothing was changed"));
    }

    private static (JsonObject, bool) Change(bool done, JsonObject success, string failure) => done ? (success, true) : (Fail(failure), false);

    private static async Task WriteJsonAsync(HttpContext context, JsonObject reply)
    {
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(reply.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }

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
