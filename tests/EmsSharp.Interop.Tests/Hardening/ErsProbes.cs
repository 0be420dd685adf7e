using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using EmsSharp.Interop.Tests.Playback;
using EmsSharp.Protocols.SocketIo;
using EmsSharp.Rendezvous.Tests;

namespace EmsSharp.Interop.Tests.Hardening;

/// <summary>
/// The ers (issue 12): anyone could join a room as its EMS; deleting the last allowed room opened every room; one peer
/// could get another closed as a slow consumer by flooding it; a web page could drive the admin API.
/// </summary>
internal static class ErsProbes
{
    private const int FloodMessageLength = 32 * 1024;
    private const int MaxFloodMessages = 4000;

    public static IEnumerable<Probe> All => [AnonymousEms, LastRoomDeleted, Flooder, AdminFromAPage];

    private static Probe AnonymousEms => new("ERS: with EMS tokens configured, a socket.io client without one or with a wrong one cannot join as a room's EMS", async (rig, token) =>
    {
        await using var client = await SocketIoTestClient.ConnectAsync(rig.Ers.Port);
        var errors = new List<string?>();
        foreach (var (room, emsToken) in new[] { (PlaybackRig.Room, ""), (PlaybackRig.Room, "guess"), ("fresh-room", "") })
        {
            var error = (await client.JoinEmsAsync(room, emsToken))[0];
            rig.Replies.Add("ERS join", error.GetRawText());
            errors.Add(error.GetString());
        }

        Assert.Equal(["invalid token", "invalid token"], errors[..2]);
        Assert.NotNull(errors[2]); // invalid token, or room not allowed once a probe restricted the rooms
        return "joins refused: " + string.Join(", ", errors);
    });

    private static Probe LastRoomDeleted => new("ERS: deleting the last allowed room leaves rooms closed, not open to all", async (rig, token) =>
    {
        Assert.Equal("SUCCESS", await AdminStatusAsync(rig, $"c=addRoom&i={PlaybackRig.Room}", token));
        try
        {
            Assert.Equal("SUCCESS", await AdminStatusAsync(rig, $"c=delRoom&i={PlaybackRig.Room}", token));
            var (_, rooms) = await rig.AdminAsync("c=listRooms", token);
            Assert.DoesNotContain(rooms.GetProperty("data").EnumerateArray(), r => r.GetProperty("allowed").GetBoolean()); // in use, not allowed
            Assert.Equal("Rooms (only allowed rooms may be joined)", rooms.GetProperty("description").GetString());
            await using var ems = await SocketIoTestClient.ConnectAsync(rig.Ers.Port);
            var error = (await ems.JoinEmsAsync("fresh-room", AdversarialRig.EmsToken))[0];
            rig.Replies.Add("ERS join", error.GetRawText());
            Assert.Equal("room not allowed", error.GetString());
            return "an EMS with a valid token: room not allowed";
        }
        finally
        {
            await AdminStatusAsync(rig, $"c=addRoom&i={PlaybackRig.Room}", token); // the rig's room again, for what follows
        }
    });

    private static Probe Flooder => new("ERS: a peer flooding a receiver that stopped reading is refused (messageRefused); the receiver stays open and others reach it", async (rig, token) =>
    {
        await using var victim = await JoinAsViewerAsync(rig);
        await using var flooder = await JoinAsViewerAsync(rig);
        await using var witness = await JoinAsViewerAsync(rig);
        victim.PauseReading();

        var junk = new string('x', FloodMessageLength);
        var refused = flooder.NextEventAsync("messageRefused");
        var sent = 0;
        for (; sent < MaxFloodMessages && !refused.IsCompleted; sent++)
            await flooder.EmitAsync("message", false, new { to = victim.Sid, type = "candidate", payload = junk }).WaitAsync(token);
        var notice = await refused.WaitAsync(token);
        rig.Replies.Add("ERS messageRefused", notice.GetRawText());
        Assert.Equal(victim.Sid, notice.GetProperty("to").GetString());

        // Another peer still gets through: its message is acked without a refusal, and reaches the victim once it reads.
        var id = (await witness.EmitAsync("message", true, new { to = victim.Sid, type = "offer", payload = "from-witness" }))!.Value;
        var ack = await witness.NextFrameAsync(f => f.Type == SocketIoFrameType.Ack && SocketIoPayload.TryParseAck(f.Data, out var ackId, out _) && ackId == id);
        Assert.True(SocketIoPayload.TryParseAck(ack.Data, out _, out var ackArgs));
        Assert.Equal(0, ackArgs.GetArrayLength());
        victim.ResumeReading();
        JsonElement message;
        do
        {
            message = await victim.NextEventAsync("message").WaitAsync(token);
        }
        while (message.GetProperty("from").GetString() != witness.Sid || message.GetProperty("type").GetString() != "offer");
        Assert.Equal(WebSocketState.Open, victim.State);
        return $"refused after {sent} messages ({sent * FloodMessageLength / 1024 / 1024} MiB): {notice.GetProperty("reason").GetString()}";
    })
    {
        Timeout = TimeSpan.FromSeconds(40),
    };

    private static Probe AdminFromAPage => new("ERS admin: a cross-site page or a DNS-rebinding Host cannot change rooms", async (rig, token) =>
    {
        (string, string)[] pages =
        [
            ("Host", $"evil.example:{rig.ErsAdmin.Port}"),
            ("Origin", "http://evil.example"),
            ("Sec-Fetch-Site", "cross-site"),
            ("Referer", "http://evil.example/page.html"),
        ];
        foreach (var header in pages)
        {
            var (status, reply) = await rig.AdminAsync("c=addRoom&i=evil", token, header);
            Assert.Equal((HttpStatusCode.Forbidden, "FAIL"), (status, reply.GetProperty("status").GetString()));
        }

        var (_, rooms) = await rig.AdminAsync("c=listRooms", token);
        Assert.DoesNotContain("evil", rooms.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        return $"{pages.Length} requests: 403";
    });

    private static async Task<string?> AdminStatusAsync(AdversarialRig rig, string query, CancellationToken token) =>
        (await rig.AdminAsync(query, token)).Reply.GetProperty("status").GetString();

    /// <summary>A browser in the rig's room (the ems offers it a session it never answers).</summary>
    private static async Task<SocketIoTestClient> JoinAsViewerAsync(AdversarialRig rig)
    {
        var client = await SocketIoTestClient.ConnectAsync(rig.Ers.Port);
        var error = (await client.JoinAsync(PlaybackRig.Room, new { streamName = AdversarialRig.Stream }))[0];
        Assert.Equal(JsonValueKind.Null, error.ValueKind);
        return client;
    }
}
