using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace EmsSharp.Server.Tests.Api;

public sealed class CliRobustnessTests : IAsyncLifetime
{
    private TestEms _ems = null!;

    public async Task InitializeAsync() => _ems = await TestEms.StartAsync(configure: o => o.Api.MaxCliConnections = 8);

    public async Task DisposeAsync()
    {
        await _ems.DisposeAsync();
        TestEms.DeleteFolder(_ems.DataFolder);
    }

    private async Task AssertStillServingAsync()
    {
        await using var json = await _ems.ConnectJsonAsync();
        Assert.Equal("SUCCESS", (await json.JsonAsync("version")).Status());
        await using var ascii = await _ems.ConnectAsciiAsync();
        Assert.Equal("Command entered successfully!", (await ascii.AsciiAsync("version"))[0]);
        Assert.Equal("SUCCESS", (await _ems.HttpAsync("version")).Status());
    }

    [Fact]
    public async Task A_line_ends_at_cr_lf_or_both_as_evostreams_cli_reads_it()
    {
        await using var cli = await _ems.ConnectJsonAsync();
        await cli.Stream.WriteAsync("version\rversion\r\nversion\n\n\r\nversion"u8.ToArray());
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("SUCCESS", Envelope.Parse((await cli.ReadLineAsync())!).Status());
        }

        // The blank lines ran nothing: the next reply is the fourth command's, once its line ends.
        await cli.Stream.WriteAsync("\r"u8.ToArray());
        Assert.Equal("Version", Envelope.Parse((await cli.ReadLineAsync())!).Description());
        Assert.Equal("SUCCESS", (await cli.JsonAsync("version")).Status());
    }

    [Fact]
    public async Task Binary_lines_get_a_fail_and_the_session_continues()
    {
        await using var cli = await _ems.ConnectJsonAsync();
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);
        garbage[^1] = (byte)'\n';
        for (var i = 0; i < garbage.Length - 1; i++)
        {
            if (garbage[i] is (byte)'\n' or (byte)'\r') // one line: CR ends a line too
                garbage[i] = 0xFF;
        }

        await cli.Stream.WriteAsync(garbage);
        var reply = Envelope.Parse((await cli.ReadLineAsync())!);
        Assert.Equal("FAIL", reply.Status());
        Assert.Contains("not UTF-8", reply.Description(), StringComparison.Ordinal);

        await cli.Stream.WriteAsync("\u0001\u0002\u0003 \0=\0\n"u8.ToArray());
        Assert.Equal("FAIL", Envelope.Parse((await cli.ReadLineAsync())!).Status());
        Assert.Equal("SUCCESS", (await cli.JsonAsync("version")).Status());
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_one_megabyte_line_gets_a_fail_or_a_closed_connection(bool ascii)
    {
        await using var cli = ascii ? await _ems.ConnectAsciiAsync() : await _ems.ConnectJsonAsync();
        var huge = Encoding.ASCII.GetBytes("startWebrtc roomid=" + new string('x', 1024 * 1024) + "\n");
        try
        {
            await cli.Stream.WriteAsync(huge);
        }
        catch (IOException)
        {
            // the server closed the connection while we were still sending: allowed
        }

        string? first = null;
        try
        {
            first = await cli.ReadLineAsync();
        }
        catch (IOException)
        {
        }

        if (first is not null)
        {
            Assert.Contains(ascii ? "Command failed!" : "\"status\":\"FAIL\"", first, StringComparison.Ordinal);
        }

        await _ems.Logs.WaitForAsync("longer than 65536 bytes");
        await AssertStillServingAsync();
        Assert.Equal(0, (await _ems.HttpAsync("listConfig")).Data().GetProperty("webrtc").GetArrayLength());
    }

    [Fact]
    public async Task Half_a_line_then_disconnect_is_logged_and_creates_nothing()
    {
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(_ems.Host.JsonCliEndPoint!);
            await client.GetStream().WriteAsync("startWebrtc ersip=1.2.3.4 ersport=1 roomid=hal"u8.ToArray());
        }

        await _ems.Logs.WaitForAsync("in the middle of a line");
        await AssertStillServingAsync();
        Assert.Equal(0, (await _ems.HttpAsync("listConfig")).Data().GetProperty("webrtc").GetArrayLength());
    }

    [Fact]
    public async Task Connections_over_the_limit_get_a_fail_and_are_closed()
    {
        var held = new List<CliClient>();
        try
        {
            for (var i = 0; i < 8; i++)
            {
                var c = await _ems.ConnectJsonAsync();
                held.Add(c);
                Assert.Equal("SUCCESS", (await c.JsonAsync("version")).Status());
            }

            await using var extra = await _ems.ConnectJsonAsync();
            var reply = Envelope.Parse((await extra.ReadLineAsync())!);
            Assert.Equal("FAIL", reply.Status());
            Assert.Contains("Too many connections", reply.Description(), StringComparison.Ordinal);
            Assert.Null(await extra.ReadLineAsync());
        }
        finally
        {
            foreach (var c in held)
                await c.DisposeAsync();
        }

        await WaitForConnectionSlotAsync();
    }

    private async Task WaitForConnectionSlotAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            await using var c = await _ems.ConnectJsonAsync();
            await c.SendLineAsync("version");
            var line = await c.ReadLineAsync();
            if (line is not null && Envelope.Parse(line).Status() == "SUCCESS")
                return;
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "connection slots were not released");
        }
    }
}
