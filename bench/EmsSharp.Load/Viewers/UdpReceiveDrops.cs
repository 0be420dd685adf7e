using System.Globalization;

namespace EmsSharp.Load.Viewers;

/// <summary>
/// Datagrams the kernel dropped on the tool's own sockets (receive buffer full), from <c>/proc/net/udp</c>: a loss
/// the tool caused, not the server. Linux only; null elsewhere.
/// </summary>
internal static class UdpReceiveDrops
{
    /// <summary>The sum of the <c>drops</c> column over the IPv4 UDP sockets bound to one of <paramref name="ports"/>.</summary>
    public static long? Read(IReadOnlySet<int> ports)
    {
        try
        {
            long drops = 0;
            foreach (string line in File.ReadLines("/proc/net/udp").Skip(1))
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
        catch (IOException)
        {
            return null;
        }
    }
}
