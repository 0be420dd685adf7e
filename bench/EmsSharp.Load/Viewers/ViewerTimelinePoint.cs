namespace EmsSharp.Load.Viewers;

/// <summary>One second of a run: viewers connected, total receive rate, and the server's CPU (100 = one core).</summary>
internal sealed record ViewerTimelinePoint(int Second, int Connected, double Kbps, double? ServerCpuPercent);
