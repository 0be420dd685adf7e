using System.Text.Json;

namespace EmsSharp.Server.Tests;

/// <summary><c>ems --help</c>: its defaults are a configuration the server accepts, with the values it runs with.</summary>
public sealed class OptionsHelpTests
{
    [Fact]
    public async Task The_printed_defaults_are_a_valid_config_file_with_the_servers_defaults()
    {
        var text = OptionsHelp.Text();
        Assert.StartsWith("Usage: ems [--config ems.json]", text, StringComparison.Ordinal);
        var json = text[text.IndexOf('{', StringComparison.Ordinal)..];
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(7777, root.GetProperty("Api").GetProperty("Http").GetProperty("Port").GetInt32());
        Assert.False(root.GetProperty("Metrics").GetProperty("Enabled").GetBoolean());
        Assert.Equal("00:00:10", root.GetProperty("WebRtc").GetProperty("StreamWaitTimeout").GetString());
        Assert.Equal("Auto", root.GetProperty("WebRtc").GetProperty("BatchedSends").GetString());
        Assert.Equal(1935, root.GetProperty("Ingest").GetProperty("RtmpPort").GetInt32());
        Assert.Equal(8889, root.GetProperty("Whep").GetProperty("Port").GetInt32());
        Assert.True(root.TryGetProperty("WsFmp4", out _) && root.TryGetProperty("Fmp4", out _), "a section is missing");

        // Saved as a --config file, it is accepted as it is (the options are validated as the host is built).
        var path = Path.Combine(Path.GetTempPath(), "ems-help-" + Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(path, json);
        try
        {
            await using var host = EmsHost.Create(["--config", path]);
            Assert.Equal("evostreamms", host.Options.ServerName);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
