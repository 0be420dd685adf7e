using System.Text.Json;
using EmsSharp.Interop.Tests.Nat;
using EmsSharp.Interop.Tests.Playback;

namespace EmsSharp.Interop.Tests.Whep;

/// <summary>
/// tests/python/whep_play.py: a WHEP player on aiortc (Debian's python3-aiortc, a WebRTC stack we did not write) that
/// POSTs its offer, counts the video frames it decodes, then DELETEs its session. Its report is one JSON object a line.
/// </summary>
internal static class AiortcWhepPlayer
{
    private const string Python = "/usr/bin/python3";

    /// <summary>
    /// Plays <paramref name="url"/> until <paramref name="frames"/> video frames are decoded (at most 30 s), then DELETEs its
    /// session (or, without <paramref name="delete"/>, just closes, as a player that vanishes); returns the exit code and
    /// its events by name.
    /// </summary>
    public static (int ExitCode, Dictionary<string, JsonElement> Events, string Log) Play(string url, int frames = 60, string? token = null,
        bool delete = true)
    {
        if (!File.Exists(Python))
            throw new FileNotFoundException("/usr/bin/python3 with python3-aiortc is required (scripts/setup installs it)", Python);
        var script = Path.Combine(PlaybackRig.FindRepositoryRoot(), "tests", "python", "whep_play.py");
        List<string> arguments = [script, url, "--frames", frames.ToString(System.Globalization.CultureInfo.InvariantCulture), "--timeout", "30"];
        if (token is not null)
            arguments.AddRange(["--token", token]);
        if (!delete)
            arguments.Add("--no-delete");
        var (exitCode, stdout, stderr) = HostCommand.TryRun(Python, arguments, TimeSpan.FromSeconds(90));
        var events = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var element = JsonSerializer.Deserialize<JsonElement>(line);
            events[element.GetProperty("event").GetString()!] = element;
        }

        return (exitCode, events, stdout + stderr);
    }
}
