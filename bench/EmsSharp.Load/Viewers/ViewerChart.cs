using System.Globalization;
using System.Net;
using System.Text;

namespace EmsSharp.Load.Viewers;

/// <summary>
/// The <c>--chart</c> page: one self-contained HTML file with inline SVG (no script, no external resource): the
/// run's timeline (viewers connected, total Mbit/s, server CPU %) and a histogram of join times.
/// </summary>
internal static class ViewerChart
{
    private const int Width = 760;
    private const int Height = 240;
    private const int Margin = 40;
    private const int Bins = 20;

    public static string Render(ViewerResult result, IReadOnlyList<double> joinTimes)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>")
            .Append(WebUtility.HtmlEncode(result.Label))
            .Append("</title><style>body{font:14px sans-serif;margin:24px}svg{background:#fafafa;border:1px solid #ddd}")
            .Append("text{font:11px sans-serif}</style></head><body>")
            .Append("<h1>").Append(WebUtility.HtmlEncode(result.Label)).Append("</h1>")
            .Append(Invariant($"<p>{result.Server}, {result.Transport}: {result.Connected}/{result.Viewers} connected, "))
            .Append(Invariant($"{result.KbpsPerViewer} kbit/s per viewer, loss {result.LossPercent}%, join p50 {result.JoinMs?.P50} ms, "))
            .Append(Invariant($"first keyframe p50 {result.FirstKeyframeMs?.P50} ms</p>"));
        AppendTimeline(html, result);
        AppendHistogram(html, joinTimes);
        return html.Append("</body></html>").ToString();
    }

    private static void AppendTimeline(StringBuilder html, ViewerResult result)
    {
        IReadOnlyList<ViewerTimelinePoint> points = result.Timeline;
        html.Append("<h2>Timeline</h2>")
            .Append("<p><span style=\"color:#1f77b4\">viewers connected</span> (0..").Append(result.Viewers)
            .Append("), <span style=\"color:#2ca02c\">total Mbit/s</span>, <span style=\"color:#d62728\">server CPU %</span> (each on its own scale, maximum labelled)</p>");
        OpenSvg(html);
        double seconds = Math.Max(1, points.Count);
        double maxMbps = 0.001, maxCpu = 0.001;
        foreach (ViewerTimelinePoint p in points)
        {
            maxMbps = Math.Max(maxMbps, p.Kbps / 1000);
            maxCpu = Math.Max(maxCpu, p.ServerCpuPercent ?? 0);
        }

        AppendLine(html, points, seconds, result.Viewers, p => p.Connected, "#1f77b4");
        AppendLine(html, points, seconds, maxMbps, p => p.Kbps / 1000, "#2ca02c");
        if (result.Timeline.Count > 0 && result.Timeline[0].ServerCpuPercent is not null)
        {
            AppendLine(html, points, seconds, maxCpu, p => p.ServerCpuPercent ?? 0, "#d62728");
        }

        html.Append(Invariant($"<text x=\"{Margin}\" y=\"{Height - 8}\">0 s</text><text x=\"{Width - Margin}\" y=\"{Height - 8}\" text-anchor=\"end\">{points.Count} s</text>"))
            .Append(Invariant($"<text x=\"{Width - Margin}\" y=\"14\" text-anchor=\"end\">max {maxMbps:F1} Mbit/s, {maxCpu:F0}% CPU</text>"))
            .Append("</svg>");
    }

    private static void AppendHistogram(StringBuilder html, IReadOnlyList<double> joinTimes)
    {
        html.Append("<h2>Join time (join start to ICE + DTLS connected)</h2>");
        OpenSvg(html);
        double max = 1;
        foreach (double t in joinTimes)
        {
            max = Math.Max(max, t);
        }

        var counts = new int[Bins];
        foreach (double t in joinTimes)
        {
            counts[Math.Min(Bins - 1, (int)(t / max * Bins))]++;
        }

        int top = Math.Max(1, counts.Max());
        double barWidth = (Width - (2.0 * Margin)) / Bins;
        for (int i = 0; i < Bins; i++)
        {
            double h = (Height - (2.0 * Margin)) * counts[i] / top;
            html.Append(Invariant($"<rect x=\"{Margin + (i * barWidth):F1}\" y=\"{Height - Margin - h:F1}\" width=\"{barWidth - 2:F1}\" height=\"{h:F1}\" fill=\"#1f77b4\"><title>{counts[i]}</title></rect>"));
        }

        html.Append(Invariant($"<text x=\"{Margin}\" y=\"{Height - 8}\">0 ms</text><text x=\"{Width - Margin}\" y=\"{Height - 8}\" text-anchor=\"end\">{max:F0} ms</text>"))
            .Append(Invariant($"<text x=\"{Margin}\" y=\"14\">{top} viewers (tallest bar)</text></svg>"));
    }

    private static void OpenSvg(StringBuilder html) =>
        html.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\">"))
            .Append(Invariant($"<line x1=\"{Margin}\" y1=\"{Height - Margin}\" x2=\"{Width - Margin}\" y2=\"{Height - Margin}\" stroke=\"#999\"/>"));

    private static void AppendLine(StringBuilder html, IReadOnlyList<ViewerTimelinePoint> points, double seconds, double max,
        Func<ViewerTimelinePoint, double> value, string colour)
    {
        html.Append("<polyline fill=\"none\" stroke=\"").Append(colour).Append("\" stroke-width=\"2\" points=\"");
        foreach (ViewerTimelinePoint p in points)
        {
            double x = Margin + ((Width - (2.0 * Margin)) * p.Second / seconds);
            double y = Height - Margin - ((Height - (2.0 * Margin)) * value(p) / max);
            html.Append(Invariant($"{x:F1},{y:F1} "));
        }

        html.Append("\"/>");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
