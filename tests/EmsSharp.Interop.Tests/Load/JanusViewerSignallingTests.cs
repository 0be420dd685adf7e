using System.Text.Json;
using EmsSharp.Load.Viewers;

namespace EmsSharp.Interop.Tests.Load;

/// <summary>
/// <see cref="JanusViewerSignalling"/> against a scripted Janus API (<see cref="FakeJanusServer"/>): the message
/// sequence, candidates held until the answer, errors, the message size bound and cancellation.
/// </summary>
public sealed class JanusViewerSignallingTests
{
    private const long SessionId = 7_000_000_000_011;
    private const long HandleId = 7_000_000_000_022;
    private const string JanusCandidate = "candidate:1 1 udp 2015363327 127.0.0.1 40000 typ host";
    private const string Offer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=Mountpoint 1\r\nt=0 0\r\na=group:BUNDLE v\r\n"
        + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 127.0.0.1\r\na=sendonly\r\na=mid:v\r\n";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Join_answer_trickle_and_dispose_follow_the_Janus_API()
    {
        await using var janus = await FakeJanusServer.StartAsync(StreamingScriptAsync);
        using var timeout = new CancellationTokenSource(Deadline);
        await using var signalling = new JanusViewerSignalling(janus.Endpoint, 1);
        var remote = new List<string>();
        signalling.RemoteCandidate += c =>
        {
            lock (remote)
            {
                remote.Add(c);
            }
        };

        var offer = await signalling.JoinAsync(timeout.Token);
        Assert.Equal(Offer, offer);
        Assert.Equal(SessionId, signalling.SessionId);
        Assert.Equal(HandleId, signalling.HandleId);
        lock (remote)
        {
            Assert.Empty(remote); // Trickled before the offer was returned: held until the answer.
        }

        await signalling.AnswerAsync("v=0\r\n", timeout.Token);
        lock (remote)
        {
            Assert.Equal([JanusCandidate], remote);
        }

        await signalling.SendCandidateAsync("a=candidate:h0 1 udp 2130706431 127.0.0.1 5000 typ host", timeout.Token);
        await signalling.DisposeAsync();

        var requests = new List<JsonElement>();
        while (janus.Requests.TryRead(out var request))
        {
            requests.Add(request);
        }

        Assert.Equal(["create", "attach", "message", "message", "trickle", "destroy"],
            requests.Select(r => r.GetProperty("janus").GetString()));
        Assert.Equal("janus.plugin.streaming", requests[1].GetProperty("plugin").GetString());
        Assert.Equal(SessionId, requests[1].GetProperty("session_id").GetInt64());
        Assert.Equal("watch", requests[2].GetProperty("body").GetProperty("request").GetString());
        Assert.Equal(1, requests[2].GetProperty("body").GetProperty("id").GetInt64());
        Assert.Equal(HandleId, requests[2].GetProperty("handle_id").GetInt64());
        Assert.Equal("start", requests[3].GetProperty("body").GetProperty("request").GetString());
        Assert.Equal("answer", requests[3].GetProperty("jsep").GetProperty("type").GetString());
        Assert.Equal("v=0\r\n", requests[3].GetProperty("jsep").GetProperty("sdp").GetString());
        var candidate = requests[4].GetProperty("candidate");
        Assert.Equal("candidate:h0 1 udp 2130706431 127.0.0.1 5000 typ host", candidate.GetProperty("candidate").GetString());
        Assert.Equal("v", candidate.GetProperty("sdpMid").GetString());
        Assert.Equal(0, candidate.GetProperty("sdpMLineIndex").GetInt32());
        Assert.Equal(HandleId, requests[4].GetProperty("handle_id").GetInt64());
        Assert.Equal(SessionId, requests[5].GetProperty("session_id").GetInt64());
        Assert.Equal(requests.Count, requests.Select(r => r.GetProperty("transaction").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task Core_error_reply_throws_with_code_and_reason()
    {
        await using var janus = await FakeJanusServer.StartAsync(async (server, request) =>
        {
            var janusKind = request.GetProperty("janus").GetString();
            await server.SendAsync(janusKind == "create"
                ? Success(request, SessionId)
                : Reply(request, "error", ""","error":{"code":460,"reason":"No such plugin"}"""));
        });
        using var timeout = new CancellationTokenSource(Deadline);
        await using var signalling = new JanusViewerSignalling(janus.Endpoint, 1);

        var error = await Assert.ThrowsAsync<JanusApiException>(() => signalling.JoinAsync(timeout.Token));
        Assert.Equal(460, error.Code);
        Assert.Contains("attach", error.Message, StringComparison.Ordinal);
        Assert.Contains("No such plugin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_message_fails_the_connection()
    {
        await using var janus = await FakeJanusServer.StartAsync((server, request) =>
            server.SendAsync(Reply(request, "success",
                ",\"data\":{\"id\":1,\"pad\":\"" + new string('x', JanusViewerSignalling.MaxMessageLength) + "\"}")));
        using var timeout = new CancellationTokenSource(Deadline);
        await using var signalling = new JanusViewerSignalling(janus.Endpoint, 1);

        var error = await Assert.ThrowsAsync<JanusApiException>(() => signalling.JoinAsync(timeout.Token));
        Assert.Contains("exceeds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silent_server_honours_cancellation()
    {
        await using var janus = await FakeJanusServer.StartAsync((_, _) => Task.CompletedTask);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await using var signalling = new JanusViewerSignalling(janus.Endpoint, 1);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => signalling.JoinAsync(timeout.Token));
    }

    /// <summary>What Janus's streaming plugin answers, with a candidate trickled before the offer.</summary>
    private static async Task StreamingScriptAsync(FakeJanusServer server, JsonElement request)
    {
        switch (request.GetProperty("janus").GetString())
        {
            case "create":
                await server.SendAsync(Success(request, SessionId));
                break;
            case "attach":
                await server.SendAsync(Success(request, HandleId));
                break;
            case "message" when request.GetProperty("body").GetProperty("request").GetString() == "watch":
                await server.SendAsync(Reply(request, "ack", ""));
                await server.SendAsync($$$"""{"janus":"trickle","session_id":{{{SessionId}}},"sender":{{{HandleId}}},"candidate":{"sdpMid":"v","sdpMLineIndex":0,"candidate":"{{{JanusCandidate}}}"}}""");
                await server.SendAsync(Reply(request, "event",
                    ",\"sender\":" + HandleId + PluginEvent("preparing")
                    + ",\"jsep\":{\"type\":\"offer\",\"sdp\":" + JsonSerializer.Serialize(Offer) + "}"));
                break;
            case "message":
                await server.SendAsync(Reply(request, "ack", ""));
                await server.SendAsync(Reply(request, "event",
                    ",\"sender\":" + HandleId + PluginEvent("starting")));
                break;
            case "trickle" or "keepalive":
                await server.SendAsync(Reply(request, "ack", ""));
                break;
            case "destroy":
                await server.SendAsync(Reply(request, "success", ""));
                break;
            default:
                await server.SendAsync(Reply(request, "error", ""","error":{"code":453,"reason":"Unknown request"}"""));
                break;
        }
    }

    private static string PluginEvent(string status) =>
        ",\"plugindata\":{\"plugin\":\"janus.plugin.streaming\",\"data\":{\"streaming\":\"event\",\"result\":{\"status\":\""
        + status + "\"}}}";

    private static string Success(JsonElement request, long id) => Reply(request, "success", $$""","data":{"id":{{id}}}""");

    private static string Reply(JsonElement request, string janus, string rest) =>
        $$"""{"janus":"{{janus}}","transaction":"{{request.GetProperty("transaction").GetString()}}"{{rest}}}""";
}
