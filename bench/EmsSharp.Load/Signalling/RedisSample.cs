using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace EmsSharp.Load.Signalling;

/// <summary>
/// Redis's own counters at one moment, from <c>INFO</c>: commands processed (in total and per command, from the
/// <c>commandstats</c> section) and the CPU redis-server has used. Each read is one <c>INFO</c>, itself counted.
/// </summary>
internal sealed record RedisSample(long TotalCommands, double CpuSeconds, IReadOnlyDictionary<string, long> Calls)
{
    /// <summary>Sends <c>INFO everything</c> as a RESP array and reads the bulk-string reply (RESP2, redis.io/docs/reference/protocol-spec).</summary>
    public static async Task<RedisSample> ReadAsync(Uri redis, CancellationToken token)
    {
        using TcpClient tcp = new();
        await tcp.ConnectAsync(redis.Host.Trim('[', ']'), redis.Port, token).ConfigureAwait(false);
        await using NetworkStream stream = tcp.GetStream();
        await stream.WriteAsync("*2\r\n$4\r\nINFO\r\n$10\r\neverything\r\n"u8.ToArray(), token).ConfigureAwait(false);
        using StreamReader reader = new(stream, Encoding.UTF8);
        string header = await reader.ReadLineAsync(token).ConfigureAwait(false)
            ?? throw new InvalidDataException("Redis closed the connection before answering INFO");
        if (header.Length < 2 || header[0] != '$')
        {
            throw new InvalidDataException($"Redis answered INFO with {header}");
        }

        int length = int.Parse(header.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture);
        char[] body = new char[length];
        int read = 0;
        while (read < length)
        {
            int n = await reader.ReadAsync(body.AsMemory(read), token).ConfigureAwait(false);
            read += n > 0 ? n : throw new InvalidDataException("Redis closed the connection inside its INFO reply");
        }

        // INFO's text is ASCII, so characters count as the reply's bytes.
        return Parse(new string(body));
    }

    /// <summary>Reads <c>total_commands_processed</c>, <c>used_cpu_sys</c> + <c>used_cpu_user</c> and <c>cmdstat_NAME:calls=N,...</c>.</summary>
    internal static RedisSample Parse(string info)
    {
        long total = 0;
        double cpu = 0;
        Dictionary<string, long> calls = [];
        foreach (string raw in info.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            string key = line[..colon];
            string value = line[(colon + 1)..];
            if (key == "total_commands_processed")
            {
                total = long.Parse(value, CultureInfo.InvariantCulture);
            }
            else if (key is "used_cpu_sys" or "used_cpu_user")
            {
                cpu += double.Parse(value, CultureInfo.InvariantCulture);
            }
            else if (key.StartsWith("cmdstat_", StringComparison.Ordinal) && value.StartsWith("calls=", StringComparison.Ordinal))
            {
                int comma = value.IndexOf(',', StringComparison.Ordinal);
                calls[key["cmdstat_".Length..]] = long.Parse(value.AsSpan(6, (comma < 0 ? value.Length : comma) - 6), CultureInfo.InvariantCulture);
            }
        }

        return new RedisSample(total, cpu, calls);
    }

    /// <summary>Commands per <paramref name="per"/> between <paramref name="before"/> and this sample, less the one INFO that read this.</summary>
    public double CommandsPer(RedisSample before, int per) =>
        per > 0 ? Math.Round((TotalCommands - before.TotalCommands - 1) / (double)per, 2) : 0;

    /// <summary>Each command's calls per <paramref name="per"/> since <paramref name="before"/>, the busiest first.</summary>
    public IReadOnlyDictionary<string, double> CallsPer(RedisSample before, int per)
    {
        Dictionary<string, double> result = [];
        if (per <= 0)
        {
            return result;
        }

        foreach ((string command, long calls) in Calls.OrderByDescending(c => c.Value - before.Calls.GetValueOrDefault(c.Key)))
        {
            long delta = calls - before.Calls.GetValueOrDefault(command) - (command == "info" ? 1 : 0);
            if (delta > 0)
            {
                result[command] = Math.Round(delta / (double)per, 3);
            }
        }

        return result;
    }
}
