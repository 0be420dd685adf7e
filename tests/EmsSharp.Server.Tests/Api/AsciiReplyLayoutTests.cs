using System.Text.Json.Nodes;
using EmsSharp.Server.Api;

namespace EmsSharp.Server.Tests.Api;

/// <summary>
/// The ASCII CLI's reply, byte for byte, in EvoStream's layout (shared/EVOSTREAM-API.md §6; its user guide's telnet
/// samples): header, description, keys indented 4 and 2 more per level, <c>-- </c> items, lines ended LF CR.
/// </summary>
public sealed class AsciiReplyLayoutTests
{
    [Fact]
    public void A_success_prints_the_header_the_description_and_indented_keys()
    {
        var reply = ApiReply.Ok("Recording Stream", new JsonObject
        {
            ["chunkLength"] = 0,
            ["localStreamName"] = "testpullstream",
            ["keepAlive"] = true,
            ["empty"] = "",
            ["none"] = null,
            ["settings"] = new JsonObject { ["uri"] = "rtsp://h/x" },
            ["names"] = new JsonArray("a", "b"),
            ["ids"] = new JsonArray(),
        });

        Assert.Equal(
            "Command entered successfully!\n\rRecording Stream\n\r\n\r"
            + "    chunkLength: 0\n\r"
            + "    localStreamName: testpullstream\n\r"
            + "    keepAlive: true\n\r"
            + "    empty: \n\r"
            + "    none: \n\r"
            + "    settings: \n\r"
            + "      uri: rtsp://h/x\n\r"
            + "    names: \n\r"
            + "      -- a\n\r"
            + "      -- b\n\r"
            + "    ids: []\n\r"
            + "\n\r\n",
            ReplyFormatter.ToAscii(reply));
    }

    [Fact]
    public void A_list_of_objects_prints_each_item_under_its_marker()
    {
        var reply = ApiReply.Ok("Available streams", new JsonArray(new JsonObject { ["name"] = "cam" }));

        Assert.Equal("Command entered successfully!\n\rAvailable streams\n\r\n\r    -- \n\r      name: cam\n\r\n\r\n",
            ReplyFormatter.ToAscii(reply));
    }

    [Fact]
    public void A_member_subset_applies_at_every_level_in_the_reply_order()
    {
        var reply = ApiReply.Ok("Stream rtsp://h/x enqueued for pulling", new JsonObject
        {
            ["configId"] = 3,
            ["forceTcp"] = false,
            ["keepAlive"] = true,
            ["localStreamName"] = "x",
            ["operationType"] = 1,
            ["uri"] = new JsonObject { ["fullUri"] = "rtsp://h/x", ["host"] = "h", ["port"] = 554, ["scheme"] = "rtsp" },
        }) with
        {
            AsciiMembers = new HashSet<string> { "localStreamName", "configId", "keepAlive", "forceTcp", "uri", "scheme", "port", "fullUri" },
        };

        Assert.Equal(
            "Command entered successfully!\n\rStream rtsp://h/x enqueued for pulling\n\r\n\r"
            + "    configId: 3\n\r"
            + "    forceTcp: false\n\r"
            + "    keepAlive: true\n\r"
            + "    localStreamName: x\n\r"
            + "    uri: \n\r"
            + "      fullUri: rtsp://h/x\n\r"
            + "      port: 554\n\r"
            + "      scheme: rtsp\n\r"
            + "\n\r\n",
            ReplyFormatter.ToAscii(reply));
        Assert.Contains("\"operationType\":1", ReplyFormatter.ToJson(reply), StringComparison.Ordinal); // JSON keeps every member
    }

    [Fact]
    public void A_failure_prints_the_header_and_the_reason()
    {
        Assert.Equal("Command failed!\n\rShutdown key provided is invalid\n\r\n\r\n\r",
            ReplyFormatter.ToAscii(ApiReply.Fail("Shutdown key provided is invalid")));
    }
}
