using System.Text.Json;
using System.Text.Json.Nodes;
using EmsSharp.Server.Api;

namespace EmsSharp.Server.Tests.Events;

/// <summary><c>cliRequest</c>/<c>cliResponse</c> (shared/EVOSTREAM-API.md §5.3), secrets masked.</summary>
public sealed class CliEventTests
{
    [Fact]
    public async Task Each_command_raises_its_request_and_its_response_with_the_token_masked()
    {
        await using var sink = await EventDispatcherTests.Sink.StartAsync();
        var ems = await TestEms.StartAsync(configure: o => o.Events.Sinks.Add(sink.Url.ToString()));
        try
        {
            Assert.Equal("SUCCESS", (await ems.HttpAsync("startWebrtc?ersip=e&ersport=5&roomid=ev&token=s3cret")).Status());
            await sink.Changed.WaitUntilAsync(() => sink.Received.Any(e => e.GetProperty("type").GetString() == "cliResponse"), "no cliResponse");
            var request = sink.Received.Single(e => e.GetProperty("type").GetString() == "cliRequest").GetProperty("payload");
            var response = sink.Received.Single(e => e.GetProperty("type").GetString() == "cliResponse").GetProperty("payload");

            Assert.Equal("startWebrtc", request.GetProperty("command").GetString());
            var parameters = request.GetProperty("parameters");
            Assert.Equal(JsonValueKind.String, parameters.GetProperty("ersport").ValueKind); // parameters are strings, as typed
            Assert.Equal("5", parameters.GetProperty("ersport").GetString());
            Assert.Equal(CliEventPayloads.Mask, parameters.GetProperty("token").GetString());

            Assert.Equal("SUCCESS", response.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.String, response.GetProperty("description").ValueKind);
            Assert.Equal(JsonValueKind.Object, response.GetProperty("data").ValueKind);
            Assert.Equal("ev", response.GetProperty("data").GetProperty("roomid").GetString());
            Assert.Equal(CliEventPayloads.Mask, response.GetProperty("data").GetProperty("token").GetString());
            Assert.DoesNotContain(sink.Received, e => e.GetRawText().Contains("s3cret", StringComparison.Ordinal));
        }
        finally
        {
            await ems.DisposeAsync();
            TestEms.DeleteFolder(ems.DataFolder);
        }
    }

    [Fact]
    public void Lists_become_arrays_and_uri_passwords_and_keys_are_masked()
    {
        Assert.True(CommandParser.TryParse("pullStream uri=rtsp://cam:pw@10.0.0.9:554/live localStreamNames=a,b keepAlive=0", out var line, out _));
        var request = CliEventPayloads.Request(line);
        Assert.Equal("pullStream", request["command"]!.GetValue<string>());
        var parameters = request["parameters"]!.AsObject();
        Assert.Equal("rtsp://cam:********@10.0.0.9:554/live", parameters["uri"]!.GetValue<string>());
        Assert.Equal(["a", "b"], parameters["localStreamNames"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("0", parameters["keepAlive"]!.GetValue<string>());

        // shutdownServer's first reply hands out the key that stops the server: it never reaches a sink in clear.
        var reply = ApiReply.Ok("Call shutdownserver again with the provided key", new JsonObject { ["key"] = "GCY6IXniMf6NDOxY" });
        var response = CliEventPayloads.Response(reply);
        Assert.Equal(CliEventPayloads.Mask, response["data"]!["key"]!.GetValue<string>());
        Assert.Equal("GCY6IXniMf6NDOxY", reply.Data!["key"]!.GetValue<string>()); // the client's reply is untouched
        Assert.Equal("rtmp://h/app", CliEventPayloads.MaskUri("rtmp://h/app"));
        Assert.Equal("rtmp://user@h/app", CliEventPayloads.MaskUri("rtmp://user@h/app"));
    }

    [Fact]
    public void A_reply_with_arrays_and_nested_objects_is_copied_whole_with_only_its_secrets_masked()
    {
        // getStreamInfo of a watched stream: arrays of numbers and of objects, nested objects, a date held as a date.
        var data = new JsonObject
        {
            ["outStreamsUniqueIds"] = new JsonArray(7, 9),
            ["pullSettings"] = new JsonObject { ["uri"] = "rtsp://u:pw@h/x", ["keepAlive"] = true },
            ["peers"] = new JsonArray(new JsonObject { ["token"] = "t0p", ["createdAt"] = DateTimeOffset.UnixEpoch }),
        };
        var response = CliEventPayloads.Response(ApiReply.Ok("Stream information", data));

        var copy = response["data"]!;
        Assert.Equal([7, 9], copy["outStreamsUniqueIds"]!.AsArray().Select(n => n!.GetValue<int>()));
        Assert.Equal("rtsp://u:********@h/x", copy["pullSettings"]!["uri"]!.GetValue<string>());
        Assert.True(copy["pullSettings"]!["keepAlive"]!.GetValue<bool>());
        Assert.Equal(CliEventPayloads.Mask, copy["peers"]![0]!["token"]!.GetValue<string>());
        Assert.Equal(DateTimeOffset.UnixEpoch, copy["peers"]![0]!["createdAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal("t0p", data["peers"]![0]!["token"]!.GetValue<string>()); // the client's reply is untouched
    }
}
