using EmsSharp.Server.Delivery;
using Microsoft.Extensions.DependencyInjection;

namespace EmsSharp.Server.Tests.Delivery;

public sealed class ErsConnectorSeamTests : IDisposable
{
    private readonly string _folder = TestEms.NewDataFolder();

    public void Dispose() => TestEms.DeleteFolder(_folder);

    [Fact]
    public async Task Connector_is_started_on_startWebrtc_and_replay_and_stopped_on_stop_and_shutdown()
    {
        var connector = new RecordingConnector();
        long id;
        await using (var ems = await TestEms.StartAsync(_folder, services: s => s.AddSingleton<IErsConnector>(connector)))
        {
            var started = await ems.HttpAsync("startWebrtc?ersip=e&ersport=9&roomid=seam");
            id = started.Data().GetProperty("configId").GetInt64();
            Assert.Equal([id], connector.Started);
            var info = await ems.HttpAsync($"getConfigInfo?id={id}");
            Assert.Equal("joined room seam", info.Data().GetProperty("status").GetProperty("current").GetProperty("description").GetString());
        }

        Assert.Equal([id], connector.Stopped); // shutdown stops the service but keeps its configuration

        await using (var ems = await TestEms.StartAsync(_folder, services: s => s.AddSingleton<IErsConnector>(connector)))
        {
            Assert.Equal([id, id], connector.Started); // replayed at start-up
            Assert.Equal("SUCCESS", (await ems.HttpAsync($"removeConfig?id={id}")).Status());
            Assert.Equal([id, id], connector.Stopped);
        }
    }
}
