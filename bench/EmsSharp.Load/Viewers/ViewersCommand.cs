using System.Text.Json;

namespace EmsSharp.Load.Viewers;

/// <summary><c>ems-load viewers ...</c>: parses, runs against an ems through ers (or Janus), writes JSON (and the chart).</summary>
internal static class ViewersCommand
{
    /// <summary>0 when every viewer connected and received media, 1 otherwise, 2 on bad usage.</summary>
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        if (!ViewerOptions.TryParse(args, out ViewerOptions? options, out string? error))
        {
            await Console.Error.WriteLineAsync(error).ConfigureAwait(false);
            return 2;
        }

        // The ems through ers, or Janus's streaming plugin through its WebSocket API (the comparison runs).
        using ErsViewerSignallingFactory? ers = options!.Janus is null ? new ErsViewerSignallingFactory(options) : null;
        Func<IViewerSignalling> signalling = ers is not null ? ers.Create : () => new JanusViewerSignalling(options.Janus!, options.Mountpoint);
        var load = new ViewerLoad(options, options.ServerName, signalling);
        string target = ers is not null ? $"\"{options.Stream}\" in room \"{options.Room}\"" : $"Janus mountpoint {options.Mountpoint}";
        string path = options.Relay ? " through their own TURN relays over TCP (ICE policy relay)" : string.Empty;
        await Console.Error.WriteLineAsync($"{options.Viewers} {options.TransportName} viewers of {target}{path} at {options.Ramp}/s, "
            + $"then {options.Duration.TotalSeconds:F0} s steady").ConfigureAwait(false);
        ViewerResult result = await load.RunAsync(Console.Error, cancellationToken).ConfigureAwait(false);
        await WriteAsync(options, result, load.JoinTimes, cancellationToken).ConfigureAwait(false);
        return result.Failed == 0 && result.Connected == result.Viewers ? 0 : 1;
    }

    /// <summary>Prints the result JSON and writes <c>--out</c> and <c>--chart</c> when given.</summary>
    public static async Task WriteAsync(ViewerOptions options, ViewerResult result, IReadOnlyList<double> joinTimes, CancellationToken token)
    {
        string json = JsonSerializer.Serialize(result, ViewerResult.JsonOptions);
        if (options.OutPath is { } path)
        {
            await File.WriteAllTextAsync(path, json, token).ConfigureAwait(false);
        }

        if (options.ChartPath is { } chart)
        {
            await File.WriteAllTextAsync(chart, ViewerChart.Render(result, joinTimes), token).ConfigureAwait(false);
        }

        Console.WriteLine(json);
    }
}
