using System.Globalization;

namespace EmsSharp.Load.Viewers;

/// <summary>
/// Datagrams the kernel dropped on receive (a socket's buffer full), so that the tool's own loss can be told from the
/// server's: per socket from <c>/proc/net/udp</c> (the <c>drops</c> column, the socket's <c>sk_drops</c>, what
/// <c>SO_RXQ_OVFL</c> reports), and for the whole network namespace from <c>/proc/net/snmp</c> (<c>Udp: RcvbufErrors</c>,
/// the server's sockets included). Linux only; null elsewhere.
/// </summary>
internal static class UdpReceiveDrops
{
    /// <summary>The sum of the <c>drops</c> column over the IPv4 UDP sockets bound to one of <paramref name="ports"/>.</summary>
    public static long? Read(IReadOnlySet<int> ports)
    {
        try
        {
            return SumDrops(File.ReadLines("/proc/net/udp"), ports);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary><c>Udp: RcvbufErrors</c> of this process's network namespace.</summary>
    public static long? ReadRcvbufErrors()
    {
        try
        {
            return TryParseRcvbufErrors(File.ReadLines("/proc/net/snmp"), out long errors) ? errors : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The <c>drops</c> of the sockets bound to <paramref name="ports"/> in <c>/proc/net/udp</c>'s lines (header first).</summary>
    public static long SumDrops(IEnumerable<string> lines, IReadOnlySet<int> ports)
    {
        long drops = 0;
        foreach (string line in lines.Skip(1))
        {
            // "sl local_address rem_address st tx_queue:rx_queue tr tm->when retrnsmt uid timeout inode ref pointer drops"
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int colon = fields.Length > 12 ? fields[1].IndexOf(':', StringComparison.Ordinal) : -1;
            if (colon > 0 && int.TryParse(fields[1].AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int port)
                && ports.Contains(port) && long.TryParse(fields[^1], NumberStyles.None, CultureInfo.InvariantCulture, out long d))
            {
                drops += d;
            }
        }

        return drops;
    }

    /// <summary>
    /// <c>RcvbufErrors</c> from <c>/proc/net/snmp</c>'s lines: a <c>Udp:</c> line of names, then one of values in the same order.
    /// </summary>
    public static bool TryParseRcvbufErrors(IEnumerable<string> lines, out long errors)
    {
        errors = 0;
        string[]? names = null;
        foreach (string line in lines)
        {
            if (!line.StartsWith("Udp:", StringComparison.Ordinal))
            {
                continue;
            }

            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (names is null)
            {
                names = fields;
                continue;
            }

            int index = Array.IndexOf(names, "RcvbufErrors");
            return index > 0 && index < fields.Length
                && long.TryParse(fields[index], NumberStyles.None, CultureInfo.InvariantCulture, out errors);
        }

        return false;
    }
}
