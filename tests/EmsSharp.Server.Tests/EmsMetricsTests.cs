using System.Diagnostics.Metrics;

namespace EmsSharp.Server.Tests;

public sealed class EmsMetricsTests
{
    [Fact]
    public async Task Replies_are_counted_by_outcome()
    {
        long succeeded = 0, failed = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == EmsMetrics.MeterName)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "ems.api.commands.succeeded")
                Interlocked.Add(ref succeeded, value);
            else if (instrument.Name == "ems.api.commands.failed")
                Interlocked.Add(ref failed, value);
        });
        listener.Start();

        await using var ems = await TestEms.StartAsync();
        try
        {
            await ems.HttpAsync("version");
            await ems.HttpAsync("nosuchcommand");
            await using var cli = await ems.ConnectJsonAsync();
            await cli.JsonAsync("startWebrtc");
        }
        finally
        {
            TestEms.DeleteFolder(ems.DataFolder);
        }

        // The meter is process-wide and other tests run in parallel: at least ours were counted.
        Assert.True(Interlocked.Read(ref succeeded) >= 1);
        Assert.True(Interlocked.Read(ref failed) >= 2);
    }
}
