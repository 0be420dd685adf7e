using System.Net;
using System.Text.Json;
using EmsSharp.Rendezvous.Rooms;
using EmsSharp.Rendezvous.SocketIo;

namespace EmsSharp.Rendezvous.Whep;

/// <summary>
/// A WHEP player as a member of its room: a viewer with no socket, whose offer came with an HTTP request. The EMS's first
/// reply (its <c>answer</c>, or a <c>connectivityError</c>) completes <see cref="Reply"/>, which answers that request;
/// what the EMS sends later is dropped, except a <c>connectivityError</c>, which ends the session as the EMS leaving does.
/// </summary>
internal sealed class WhepPeer(string id, IPAddress ip, string? token, string offer) : IRoomPeer
{
    private readonly TaskCompletionSource<(string Type, JsonElement Payload)> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Id { get; } = id;

    /// <summary>The player's address, whose share of sockets the session holds.</summary>
    public IPAddress Ip { get; } = ip;

    /// <summary>The viewer token the session was admitted with (its bearer token), or null.</summary>
    public string? Token { get; } = token;

    /// <summary>The player's offer.</summary>
    public string Offer { get; } = offer;

    /// <summary>The room's EMS the offer went to, once joined.</summary>
    public string EmsId { get; set; } = string.Empty;

    public string? RoomName { get; set; }

    public bool IsEms { get; set; }

    public string StreamName { get; set; } = string.Empty;

    public string Transport { get; set; } = string.Empty;

    public bool Offers => true;

    /// <summary>The EMS's first <c>answer</c> or <c>connectivityError</c>: its type and payload.</summary>
    public Task<(string Type, JsonElement Payload)> Reply => _reply.Task;

    /// <summary>Completes when the EMS ended the session: it left the room, or told a <c>connectivityError</c> after its answer.</summary>
    public Task Ended => _ended.Task;

    public bool TrySendEvent(string name, JsonElement arg)
    {
        // Of the server's events to a viewer only "remove" matters: the EMS that was to answer left.
        if (name == "remove" && arg.ValueKind == JsonValueKind.Object && arg.TryGetProperty("id", out JsonElement removed)
            && removed.ValueKind == JsonValueKind.String && removed.ValueEquals(EmsId))
        {
            _ended.TrySetResult();
        }

        return true;
    }

    public OutboxAdmission TryRelay(string senderId, JsonElement message)
    {
        string? type = message.TryGetProperty("type", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (type is "answer" or "connectivityError"
            && !_reply.TrySetResult((type, message.TryGetProperty("payload", out JsonElement payload) ? payload.Clone() : default))
            && type == "connectivityError")
        {
            _ended.TrySetResult();
        }

        // The answer carries the EMS's candidates: the trickled ones are not needed, and a WHEP player cannot take them.
        return OutboxAdmission.Accepted;
    }
}
