using EmsSharp.Server.Configs;

namespace EmsSharp.Server.Tests.Configs;

public sealed class RestartTests : IDisposable
{
    private readonly string _folder = TestEms.NewDataFolder();

    public void Dispose() => TestEms.DeleteFolder(_folder);

    [Fact]
    public async Task Configurations_survive_a_restart_and_ids_continue()
    {
        long keptId;
        string fingerprint;
        await using (var first = await TestEms.StartAsync(_folder))
        {
            await using var cli = await first.ConnectJsonAsync();
            keptId = (await cli.JsonAsync("startWebrtc ersip=52.6.14.61 ersport=3535 roomid=testRoom")).Data().GetProperty("configId").GetInt64();
            var temporary = (await cli.JsonAsync("startWebrtc ersip=52.6.14.61 ersport=3535 roomid=tmp keepAlive=0")).Data().GetProperty("configId").GetInt64();
            Assert.Equal(keptId + 1, temporary);
            fingerprint = first.Host.Services.GetService(typeof(EmsSharp.Server.Identity.DtlsIdentity)) is EmsSharp.Server.Identity.DtlsIdentity id ? id.Fingerprint : "";
        }

        await using var second = await TestEms.StartAsync(_folder);
        await using var again = await second.ConnectJsonAsync();
        var list = await again.JsonAsync("listConfig");
        var webrtc = list.Data().GetProperty("webrtc");
        Assert.Equal(1, webrtc.GetArrayLength());
        Assert.Equal(keptId, webrtc[0].GetProperty("configId").GetInt64());
        Assert.Equal("testRoom", webrtc[0].GetProperty("roomid").GetString());

        var info = await again.JsonAsync($"getConfigInfo id={keptId}");
        Assert.Equal("SUCCESS", info.Status());

        var duplicate = await again.JsonAsync("startWebrtc ersip=52.6.14.61 ersport=3535 roomid=testRoom");
        Assert.Equal("FAIL", duplicate.Status());
        var next = await again.JsonAsync("startWebrtc ersip=52.6.14.61 ersport=3535 roomid=other");
        Assert.Equal(keptId + 2, next.Data().GetProperty("configId").GetInt64());

        var identity = (EmsSharp.Server.Identity.DtlsIdentity)second.Host.Services.GetService(typeof(EmsSharp.Server.Identity.DtlsIdentity))!;
        Assert.Equal(fingerprint, identity.Fingerprint); // reloaded, not regenerated
    }

    [Fact]
    public async Task A_corrupt_store_does_not_stop_the_server()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, ConfigurationStore.FileName), "sha256=deadbeef\n{\"nextConfigId\":9}");
        await using var ems = await TestEms.StartAsync(_folder);
        Assert.Single(Directory.GetFiles(_folder, ConfigurationStore.FileName + ".corrupt-*"));
        Assert.True(ems.Logs.Contains("is corrupt"));
        var reply = await ems.HttpAsync("listConfig");
        Assert.Equal(0, reply.Data().GetProperty("webrtc").GetArrayLength());
        Assert.Equal("SUCCESS", (await ems.HttpAsync("startWebrtc?ersip=a&ersport=1&roomid=r")).Status());
    }
}
