using EmsSharp.Rendezvous.Configuration;

namespace EmsSharp.Rendezvous.Tests;

/// <summary><c>ers --help</c>: its defaults are a configuration file that loads to the built-in defaults.</summary>
public sealed class ErsHelpTests
{
    [Fact]
    public void The_printed_defaults_load_as_a_config_file_with_the_same_values()
    {
        string text = ErsOptions.HelpText();
        Assert.StartsWith("Usage: ers [--config path/to/default.json]", text, StringComparison.Ordinal);
        using TempFolder temp = new("ers-help");
        string path = Path.Combine(temp.Path, "default.json");
        File.WriteAllText(path, text[text.IndexOf('{', StringComparison.Ordinal)..]);

        ErsOptions loaded = ErsOptions.Load(path);
        ErsOptions defaults = new();
        Assert.Equal((defaults.Server.Port, defaults.Server.AdminPort, defaults.Turn.Port, defaults.Metrics.Port, defaults.Metrics.Enabled),
            (loaded.Server.Port, loaded.Server.AdminPort, loaded.Turn.Port, loaded.Metrics.Port, loaded.Metrics.Enabled));
        Assert.Equal(defaults.Limits.MaxQueuedBytes, loaded.Limits.MaxQueuedBytes);
        Assert.Equal(defaults.StateFile, loaded.StateFile);
    }
}
