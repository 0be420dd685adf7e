using System.Globalization;

namespace EmsSharp.Load.Signalling;

/// <summary>Resident memory, threads and CPU time of a process, read from <c>/proc/&lt;pid&gt;/status</c> and <c>/proc/&lt;pid&gt;/stat</c>.</summary>
internal readonly record struct ProcessSample(long RssBytes, double CpuSeconds, int Threads)
{
    /// <summary>USER_HZ: /proc reports utime/stime in clock ticks of 1/100 s on Linux.</summary>
    private const double ClockTicksPerSecond = 100;

    public static ProcessSample Read(int pid)
    {
        long rss = 0;
        int threads = 0;
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            // "VmRSS:     123456 kB" comes before "Threads:        42" (proc(5)).
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
            }
            else if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                threads = int.Parse(line.AsSpan(8).Trim(), CultureInfo.InvariantCulture);
                break;
            }
        }

        // proc(5): fields after the parenthesised comm; utime and stime are fields 14 and 15.
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return new ProcessSample(rss, ticks / ClockTicksPerSecond, threads);
    }

    /// <summary>The 1-minute load average from <c>/proc/loadavg</c>, or null off Linux.</summary>
    public static double? LoadAverage()
    {
        try
        {
            string text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.AsSpan(0, text.IndexOf(' ')), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
