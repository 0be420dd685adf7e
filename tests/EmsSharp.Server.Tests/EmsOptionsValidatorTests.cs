using EmsSharp.Server.Events;

namespace EmsSharp.Server.Tests;

public class EmsOptionsValidatorTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        var options = new EmsOptions();
        Assert.True(new EmsOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal("evostreamms", options.ServerName);
        Assert.Equal(1222, options.Api.AsciiCli.Port);
        Assert.Equal(1112, options.Api.JsonCli.Port);
        Assert.Equal(7777, options.Api.Http.Port);
        Assert.Equal("127.0.0.1", options.Api.Http.BindAddress);
        Assert.Equal(Path.GetFullPath("./data"), options.DataFolderFullPath);
    }

    [Fact]
    public void Bad_values_are_named()
    {
        var options = new EmsOptions { ServerName = "", SslCert = "a.pem" };
        options.Api.JsonCli.Port = 70000;
        options.Api.Http.BindAddress = "nowhere";
        options.Api.Username = "u";
        options.Events.Sinks.Add("ftp://x");
        var result = new EmsOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        var text = result.FailureMessage;
        foreach (var expected in new[] { "ServerName", "SslCert", "Api:JsonCli:Port", "Api:Http:BindAddress", "Api:Username", "ftp://x" })
            Assert.Contains(expected, text, StringComparison.Ordinal);
    }

    [Fact]
    public void Event_sinks_are_checked_and_named()
    {
        var options = new EmsOptions();
        options.Events.Sinks.Add(new EventSinkOptions { Url = "http://127.0.0.1:9/e", SerializerType = "yaml" });
        options.Events.Sinks.Add(new EventSinkOptions { Type = "file", Format = "csv", MaxFiles = 0 });
        options.Events.Sinks.Add(new EventSinkOptions { Type = "mail" });
        options.Events.Sinks.Add(new EventSinkOptions { Type = "file", FileName = "e.log", FileChunkLength = 0, FileChunkTime = "25:00:00" });
        options.Events.Sinks.Add(new EventSinkOptions { Type = "file", FileName = "e.log", FileChunkLength = 60, FileChunkTime = "18:00:00" });
        options.Events.Sinks.Add(new EventSinkOptions { Url = "http://127.0.0.1:9/e", AppendInstance = true });
        options.Events.FeedStoppedAfter = TimeSpan.Zero;
        var text = new EmsOptionsValidator().Validate(null, options).FailureMessage;
        foreach (var expected in new[]
        {
            "Events:Sinks:0:SerializerType", "Events:Sinks:1: a file sink needs FileName", "Events:Sinks:1:Format", "Events:Sinks:1:MaxFiles",
            "Events:Sinks:2:Type", "Events:FeedStoppedAfter",
            "Events:Sinks:3:FileChunkLength must be 1..31536000 seconds (got 0)",
            "Events:Sinks:3:FileChunkTime must be HH:MM:SS or HH:MM, 00:00:00..23:59:59 (got '25:00:00')",
            "Events:Sinks:4: set FileChunkLength or FileChunkTime, not both", "Events:Sinks:5: FileName, FileChunkLength, FileChunkTime and AppendInstance are for file sinks",
        })
            Assert.Contains(expected, text, StringComparison.Ordinal);

        var valid = new EmsOptions();
        valid.Events.Sinks.Add("http://127.0.0.1:9/e");
        valid.Events.Sinks.Add(new EventSinkOptions { Url = "http://127.0.0.1:9/x", SerializerType = "XmlRpc" });
        valid.Events.Sinks.Add(new EventSinkOptions { Type = "FILE", FileName = "logs/events.log", Format = "W3C" });
        valid.Events.Sinks.Add(new EventSinkOptions { Type = "file", FileName = "a.log", FileChunkLength = 43200, AppendInstance = true });
        valid.Events.Sinks.Add(new EventSinkOptions { Type = "file", FileName = "b.log", FileChunkTime = "18:00" });
        Assert.True(new EmsOptionsValidator().Validate(null, valid).Succeeded);
    }

    [Fact]
    public void Exposure_options_are_checked_and_named()
    {
        var defaults = new EmsOptions().Api;
        Assert.Equal(32, defaults.MaxCliConnectionsPerIp);
        Assert.Equal(TimeSpan.FromMinutes(5), defaults.CliIdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), defaults.CliLineTimeout);
        Assert.Null(defaults.CliPassword);
        Assert.Empty(defaults.Http.AllowedHosts);
        Assert.Empty(defaults.Http.AllowedOrigins);
        Assert.False(defaults.Http.RequirePostForChanges);
        Assert.Equal((512, 128), (defaults.Http.MaxConnections, defaults.Http.MaxConnectionsPerAddress));

        var options = new EmsOptions();
        options.Api.MaxCliConnectionsPerIp = 0;
        options.Api.CliIdleTimeout = TimeSpan.Zero;
        options.Api.CliLineTimeout = TimeSpan.FromHours(2);
        options.Api.CliPassword = " padded";
        options.Api.Http.MaxConnectionsPerAddress = 513;
        options.Api.Http.AllowedHosts = ["ems.example.org", "*", "http://bad.example", "host:80"];
        options.Api.Http.AllowedOrigins = ["https://ops.example.com", "http://10.0.0.5:8080/", "*", "https://ops.example.com/path", "ops.example.com"];
        var text = new EmsOptionsValidator().Validate(null, options).FailureMessage;
        foreach (var expected in new[]
        {
            "Api:MaxCliConnectionsPerIp", "Api:CliIdleTimeout", "Api:CliLineTimeout", "Api:CliPassword", "Api:Http:MaxConnectionsPerAddress",
            "'http://bad.example' is not a host name", "'host:80' is not a host name",
            "'*' is not an origin", "'https://ops.example.com/path' is not an origin", "'ops.example.com' is not an origin",
        })
            Assert.Contains(expected, text, StringComparison.Ordinal);
        foreach (var accepted in new[] { "'ems.example.org'", "'https://ops.example.com' ", "'http://10.0.0.5:8080/'" })
            Assert.DoesNotContain(accepted, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_file_is_bound_and_validated_at_start()
    {
        var folder = TestEms.NewDataFolder();
        try
        {
            var config = Path.Combine(folder, "ems.json");
            var json = new System.Text.Json.Nodes.JsonObject
            {
                ["ServerName"] = "myems",
                ["DataFolder"] = folder,
                ["Api"] = System.Text.Json.Nodes.JsonNode.Parse("""{"AsciiCli":{"Port":0},"JsonCli":{"Port":0},"Http":{"Port":0,"AllowedHosts":["ems.lan"]},"CliIdleTimeout":"00:02:00"}"""),
                ["Events"] = System.Text.Json.Nodes.JsonNode.Parse("""{"Sinks":["http://127.0.0.1:9/events",{"Url":"http://127.0.0.1:9/stats","EnabledEvents":["outStreamCreated","outStreamClosed"],"CustomData":"proxy"},{"Url":"http://127.0.0.1:9/xml","SerializerType":"XMLRPC"},{"Type":"file","FileName":"FILE","Format":"w3c","MaxFiles":2}],"RequestTimeout":"00:00:02"}""".Replace("FILE", Path.Combine(folder, "events.log").Replace("\\", "/", StringComparison.Ordinal), StringComparison.Ordinal)),
                ["Ingest"] = System.Text.Json.Nodes.JsonNode.Parse("""{"RtmpPort":0,"RtspPort":0}"""),
                ["WsFmp4"] = System.Text.Json.Nodes.JsonNode.Parse("""{"Port":0}"""),
                ["Whep"] = System.Text.Json.Nodes.JsonNode.Parse("""{"Port":0}"""),
            };
            await File.WriteAllTextAsync(config, json.ToJsonString());
            await using (var host = EmsHost.Create(["--config", config]))
            {
                await host.StartAsync(CancellationToken.None);
                Assert.Equal("myems", host.Options.ServerName);
                // A sink is a URL, or EvoStream's RPC sink with its own events and customData (§5.2), in one list.
                var sinks = host.Options.Events.Sinks;
                Assert.Equal(["http://127.0.0.1:9/events", "http://127.0.0.1:9/stats", "http://127.0.0.1:9/xml", ""], sinks.Select(s => s.Url));
                Assert.Equal(EventSerializerType.XmlRpc, sinks[2].Serializer);
                Assert.True(sinks[3].IsFile);
                Assert.Equal((EventFileFormat.W3c, 2), (sinks[3].FileFormat, sinks[3].MaxFiles));
                Assert.Empty(sinks[0].EnabledEvents);
                Assert.Null(sinks[0].CustomData);
                Assert.Equal(["outStreamCreated", "outStreamClosed"], sinks[1].EnabledEvents);
                Assert.Equal("proxy", sinks[1].CustomData);
                Assert.Equal(TimeSpan.FromSeconds(2), host.Options.Events.RequestTimeout);
                Assert.Equal(["ems.lan"], host.Options.Api.Http.AllowedHosts);
                Assert.Equal(TimeSpan.FromMinutes(2), host.Options.Api.CliIdleTimeout);
                Assert.NotEqual(0, host.HttpEndPoint!.Port);
                Assert.NotEqual(0, host.JsonCliEndPoint!.Port);
                Assert.NotEqual(0, host.AsciiCliEndPoint!.Port);
            }

            await File.WriteAllTextAsync(config, """{"Api":{"Http":{"Port":-3}}}""");
            var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => EmsHost.Create(["--config", config]));
            Assert.Contains("Api:Http:Port", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            TestEms.DeleteFolder(folder);
        }
    }
}
