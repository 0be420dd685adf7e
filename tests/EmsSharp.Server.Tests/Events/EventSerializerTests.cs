using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml;
using EmsSharp.Server.Events;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EmsSharp.Server.Tests.Events;

/// <summary>The XML and XMLRPC forms of an RPC sink (shared/EVOSTREAM-API.md §5.1), parsed back with System.Xml.</summary>
public sealed class EventSerializerTests
{
    private static JsonObject StreamPayload() => new()
    {
        ["name"] = "cam",
        ["uniqueId"] = 7L,
        ["typeNumeric"] = 5282249572905648128UL,
        ["upTime"] = 20374.78125,
        ["canDropFrames"] = true,
        ["outStreamsUniqueIds"] = new JsonArray(8L, 9L),
        ["audio"] = new JsonObject { ["codec"] = "AAAC" },
        ["pullSettings"] = null,
    };

    private static async Task<string> PostOneAsync(string serializer)
    {
        await using var sink = await EventDispatcherTests.Sink.StartAsync("application/xml");
        var options = new EmsOptions();
        options.Events.Sinks.Add(new EventSinkOptions { Url = sink.Url.ToString(), SerializerType = serializer });
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        using var dispatcher = new EventDispatcher(Options.Create(options), time, NullLogger<EventDispatcher>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        dispatcher.Publish(EventTypes.InStreamCreated, StreamPayload());
        await sink.Changed.WaitUntilAsync(() => !sink.ReceivedXml.IsEmpty, "the sink received nothing");
        await dispatcher.StopAsync(CancellationToken.None);
        return sink.ReceivedXml.Single();
    }

    private static XmlElement Child(XmlElement parent, string name) =>
        parent.ChildNodes.OfType<XmlElement>().Single(e => e.GetAttribute("name") == name);

    [Fact]
    public async Task Xml_is_EvoStreams_MAP_with_typed_children()
    {
        var document = new XmlDocument();
        document.LoadXml(await PostOneAsync("xml")); // serializerType matches without regard to case
        var root = document.DocumentElement!;
        Assert.Equal("MAP", root.Name);
        Assert.Equal("false", root.GetAttribute("isArray"));
        Assert.Equal("", root.GetAttribute("name"));
        Assert.Equal(["id", "payload", "processId", "timestamp", "type"], root.ChildNodes.OfType<XmlElement>().Select(e => e.GetAttribute("name")));
        Assert.Equal("STR", Child(root, "type").Name);
        Assert.Equal("inStreamCreated", Child(root, "type").InnerText);
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            Child(root, "timestamp").InnerText);

        var payload = Child(root, "payload");
        Assert.Equal("MAP", payload.Name);
        Assert.Equal("false", payload.GetAttribute("isArray"));
        Assert.Equal(("STR", "cam"), (Child(payload, "name").Name, Child(payload, "name").InnerText));
        Assert.Equal(("INT64", "7"), (Child(payload, "uniqueId").Name, Child(payload, "uniqueId").InnerText));
        Assert.Equal(("UINT64", "5282249572905648128"), (Child(payload, "typeNumeric").Name, Child(payload, "typeNumeric").InnerText));
        Assert.Equal(("DOUBLE", "20374.781"), (Child(payload, "upTime").Name, Child(payload, "upTime").InnerText));
        Assert.Equal(("BOOL", "true"), (Child(payload, "canDropFrames").Name, Child(payload, "canDropFrames").InnerText));
        Assert.Equal("NULL", Child(payload, "pullSettings").Name);
        Assert.Equal("NULL", Child(payload, "customData").Name);
        Assert.Equal("INT64", Child(payload, "PID").Name);
        var ids = Child(payload, "outStreamsUniqueIds");
        Assert.Equal(("MAP", "true"), (ids.Name, ids.GetAttribute("isArray")));
        Assert.Equal(["0x00000000", "0x00000001"], ids.ChildNodes.OfType<XmlElement>().Select(e => e.GetAttribute("name")));
        Assert.Equal("AAAC", Child(Child(payload, "audio"), "codec").InnerText);
    }

    [Fact]
    public async Task XmlRpc_is_a_methodCall_of_event_Log_with_one_struct_of_payload_and_type()
    {
        var document = new XmlDocument();
        document.LoadXml(await PostOneAsync("XMLRPC"));
        var call = document.DocumentElement!;
        Assert.Equal("methodCall", call.Name);
        Assert.Equal("event.Log", call["methodName"]!.InnerText);
        var param = Assert.Single(call["params"]!.ChildNodes.OfType<XmlElement>());
        var members = param["value"]!["struct"]!.ChildNodes.OfType<XmlElement>().ToDictionary(m => m["name"]!.InnerText, m => m["value"]!);
        Assert.Equal(["payload", "type"], members.Keys);
        Assert.Equal("inStreamCreated", members["type"]["string"]!.InnerText);
        var payload = members["payload"]["struct"]!.ChildNodes.OfType<XmlElement>().ToDictionary(m => m["name"]!.InnerText, m => m["value"]!.FirstChild!);
        Assert.Equal(("string", "cam"), (payload["name"].Name, payload["name"].InnerText));
        Assert.Equal(("int", "7"), (payload["uniqueId"].Name, payload["uniqueId"].InnerText));
        Assert.Equal("double", payload["upTime"].Name);
        Assert.Equal(("boolean", "1"), (payload["canDropFrames"].Name, payload["canDropFrames"].InnerText));
        Assert.Equal("nil", payload["pullSettings"].Name);
        Assert.Equal("array", payload["outStreamsUniqueIds"].Name);
        Assert.Equal(2, payload["outStreamsUniqueIds"]["data"]!.ChildNodes.Count);
        Assert.Equal("struct", payload["audio"].Name);
    }
}
