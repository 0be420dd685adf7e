using System.Text.Json;

namespace EmsSharp.Load.Viewers;

/// <summary><c>ems-load viewers ...</c>: parses, runs against an ems through ers, writes JSON (and the chart).</summary>
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

        using var signalling = new ErsViewerSignallingFactory(options!);
        var load = new ViewerLoad(options!, "ems", signalling.Create);
        await Console.Error.WriteLineAsync($"{options!.Viewers} {options.TransportName} viewers of \"{options.Stream}\" in room "
            + $"\"{options.Room}\" at {options.Ramp}/s, then {options.Duration.TotalSeconds:F0} s steady").ConfigureAwait(false);
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
