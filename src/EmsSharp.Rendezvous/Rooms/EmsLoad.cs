using System.Text.Json;
using System.Text.Json.Serialization;

namespace EmsSharp.Rendezvous.Rooms;

/// <summary>
/// An ems's load as its <c>emsLoad</c> event reports it (ours; docs/OPERATIONS.md, "Several ems in one room"), kept
/// as the ERS last heard it; the cluster stores this JSON in the room's hash (ClusterScripts.JoinShared reads it).
/// </summary>
internal sealed record EmsLoad(
    [property: JsonPropertyName("viewers")] int Viewers,
    [property: JsonPropertyName("maxViewers")] int MaxViewers,
    [property: JsonPropertyName("cpu")] double Cpu,
    [property: JsonPropertyName("kbps")] long Kbps,
    [property: JsonPropertyName("streams")] string[] Streams,
    [property: JsonPropertyName("more")] bool More,
    [property: JsonPropertyName("full")] bool Full)
{
    /// <summary>At most this many stream names in one report (the ems sends the first 64 and <c>"more":true</c>).</summary>
    public const int MaxStreams = 64;

    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>Reads a report; null with <paramref name="error"/> saying what is wrong when it is not a valid one.</summary>
    public static EmsLoad? TryParse(JsonElement report, int maxNameLength, out string error)
    {
        error = string.Empty;
        if (report.ValueKind != JsonValueKind.Object)
        {
            error = "not an object";
            return null;
        }

        if (Integer(report, "viewers", int.MaxValue) is not { } viewers
            || Integer(report, "maxViewers", int.MaxValue) is not { } maxViewers
            || Integer(report, "kbps", long.MaxValue) is not { } kbps)
        {
            error = "viewers, maxViewers and kbps must be integers >= 0";
            return null;
        }

        if (!report.TryGetProperty("cpu", out JsonElement cpuElement) || cpuElement.ValueKind != JsonValueKind.Number
            || !cpuElement.TryGetDouble(out double cpu)
            || cpu is < 0 or > 100)
        {
            error = "cpu must be a number from 0 to 100";
            return null;
        }

        if (Boolean(report, "full") is not { } full || (report.TryGetProperty("more", out _) && Boolean(report, "more") is null))
        {
            error = "full (and more, when given) must be true or false";
            return null;
        }

        if (!report.TryGetProperty("streams", out JsonElement streamsElement) || streamsElement.ValueKind != JsonValueKind.Array
            || streamsElement.GetArrayLength() > MaxStreams)
        {
            error = $"streams must be an array of at most {MaxStreams} names";
            return null;
        }

        // A name longer than this ERS's names (limits.maxNameLength, which a browser's streamName is cut to) is left out
        // rather than the report refused: the list is then incomplete, as "more" says.
        List<string> streams = new(streamsElement.GetArrayLength());
        bool more = Boolean(report, "more") == true;
        foreach (JsonElement name in streamsElement.EnumerateArray())
        {
            if (name.ValueKind != JsonValueKind.String || name.GetString() is not { } text)
            {
                error = "streams must hold names (strings)";
                return null;
            }

            if (text.Length > maxNameLength)
            {
                more = true;
                continue;
            }

            streams.Add(text);
        }

        return new EmsLoad((int)viewers, (int)maxViewers, cpu, kbps, [.. streams], more, full);
    }

    /// <summary>
    /// The hand-out rule (docs/OPERATIONS.md, "Several ems in one room"): among the EMS not <c>full</c>, those that have
    /// <paramref name="stream"/> (one that never reported, or whose list is incomplete, <c>more</c>, may have any) if any
    /// has, else all of them; the fewest browsers
    /// handed (handed/maxViewers when each reported a cap), then the lower cpu, then the lower peer id. Null when every
    /// EMS is full or there is none. ClusterScripts.JoinShared applies the same rule in Redis.
    /// </summary>
    public static RoomEms? Choose(IEnumerable<RoomEms> emss, string stream)
    {
        List<RoomEms> open = [.. emss.Where(e => e.Load is not { Full: true })];
        List<RoomEms> having = [.. open.Where(e => e.Load is not { } load || load.More || load.Streams.Contains(stream, StringComparer.Ordinal))];
        List<RoomEms> candidates = having.Count > 0 ? having : open;
        bool capped = candidates.All(e => e.Load is { MaxViewers: > 0 });
        RoomEms? best = null;
        foreach (RoomEms ems in candidates)
        {
            if (best is null || Compare(ems, best, capped) < 0)
            {
                best = ems;
            }
        }

        return best;
    }

    private static int Compare(RoomEms a, RoomEms b, bool capped)
    {
        // a.Handed / a.max against b.Handed / b.max, multiplied out.
        int byHanded = capped
            ? ((long)a.Handed * b.Load!.MaxViewers).CompareTo((long)b.Handed * a.Load!.MaxViewers)
            : a.Handed.CompareTo(b.Handed);
        if (byHanded != 0)
        {
            return byHanded;
        }

        int byCpu = (a.Load?.Cpu ?? 0).CompareTo(b.Load?.Cpu ?? 0);
        return byCpu != 0 ? byCpu : string.CompareOrdinal(a.Peer.Id, b.Peer.Id);
    }

    private static long? Integer(JsonElement report, string name, long max) =>
        report.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number
            && value.TryGetInt64(out long number) && number >= 0 && number <= max ? number : null;

    private static bool? Boolean(JsonElement report, string name) =>
        report.TryGetProperty(name, out JsonElement value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean() : null;
}
