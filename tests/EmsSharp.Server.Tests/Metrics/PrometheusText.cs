using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace EmsSharp.Server.Tests.Metrics;

/// <summary>Scrapes a Prometheus text endpoint (exposition format 0.0.4), failing on any line that is not well formed.</summary>
internal static partial class PrometheusText
{
    /// <summary>
    /// One scrape of <paramref name="url"/>: each name's samples summed over their labels (the OpenTelemetry exporter
    /// labels every sample with its meter, <c>otel_scope_name</c>).
    /// </summary>
    public static async Task<Dictionary<string, double>> ScrapeAsync(HttpClient client, Uri url) => Sums(await ScrapeSamplesAsync(client, url));

    /// <summary>Each name's samples summed over their labels.</summary>
    public static Dictionary<string, double> Sums(IEnumerable<PrometheusSample> samples)
    {
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var sample in samples)
            sums[sample.Name] = sums.GetValueOrDefault(sample.Name) + sample.Value;
        return sums;
    }

    /// <summary>One scrape of <paramref name="url"/>: every sample with its labels.</summary>
    public static async Task<List<PrometheusSample>> ScrapeSamplesAsync(HttpClient client, Uri url)
    {
        using var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var samples = new List<PrometheusSample>();
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                Assert.True(line.Length == 0 || Comment().IsMatch(line), "not a Prometheus comment: " + line);
                continue;
            }

            var sample = Sample().Match(line);
            Assert.True(sample.Success, "not a Prometheus sample: " + line);
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in Label().Matches(sample.Groups["labels"].Value))
                labels[label.Groups["key"].Value] = label.Groups["value"].Value;
            samples.Add(new PrometheusSample(sample.Groups["name"].Value, labels,
                double.Parse(sample.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }

        Assert.NotEmpty(samples);
        return samples;
    }

    // "# HELP name text", "# TYPE name type", or name{labels} value [timestamp].
    [GeneratedRegex(@"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$|^# EOF$")]
    private static partial Regex Comment();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{[^}]*\})? (?<value>[-+]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|NaN|Inf)) ?[0-9]*$")]
    private static partial Regex Sample();

    // One label of a sample's {...}: key="value", the value as written (escapes \" \\ \n kept).
    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}

/// <summary>One sample of a scrape.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
