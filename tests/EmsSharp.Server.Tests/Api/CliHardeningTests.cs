using System.Buffers;
using System.Net;
using System.Text;
using EmsSharp.Server.Api;
using EmsSharp.Server.Api.Commands;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EmsSharp.Server.Tests.Api;

/// <summary>
/// The CLIs against browser pages posting to them, password-less use when a password is set, and slot exhaustion:
/// per-address caps, an idle timeout that only complete lines restart, a deadline for a line being sent, and a full
/// listener closing its oldest connection that has not sent a command (or authenticated) for a new one.
/// </summary>
public sealed class CliHardeningTests
{
    private static readonly IPAddress Loopback2 = IPAddress.Parse("127.0.0.2");

    [Theory]
    [InlineData("GET / HTTP/1.1", true)]
    [InlineData("POST /shutdownServer HTTP/1.1", true)]
    [InlineData("OPTIONS * HTTP/1.1", true)]
    [InlineData("GET /", true)]
    [InlineData("PUT http://127.0.0.1:1222/ HTTP/1.0", true)]
    [InlineData("Host: 127.0.0.1:1222", true)]
    [InlineData("host:localhost", true)]
    [InlineData("whatever HTTP/2", true)]
    [InlineData("version", false)]
    [InlineData("startWebrtc ersip=1.2.3.4 ersport=4545 roomid=GET", false)]
    [InlineData("pullStream uri=rtmp://host/live/a localStreamName=HTTP/1", false)]
    [InlineData("help command=startWebrtc", false)]
    [InlineData("hostinfo", false)]
    [InlineData("", false)]
    public void Http_request_and_host_lines_are_recognised(string line, bool http) =>
        Assert.Equal(http, HttpLookalike.IsHttpLine(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(line))));

    [Theory]
    [InlineData(false, "POST / HTTP/1.1\r\nHost: 127.0.0.1:1222\r\nContent-Type: text/plain\r\nContent-Length: 15\r\n\r\nshutdownServer\n")]
    [InlineData(true, "POST / HTTP/1.1\r\nHost: 127.0.0.1:1222\r\nContent-Type: text/plain\r\nContent-Length: 15\r\n\r\nshutdownServer\n")]
    [InlineData(false, "GET /startWebrtc HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData(true, "version\nHost: 127.0.0.1\nshutdownServer\n")]
    public Task A_browser_post_to_a_cli_port_is_dropped_before_anything_runs(bool ascii, string sent) => TestEms.WithAsync(async ems =>
    {
        await using var cli = ascii ? await ems.ConnectAsciiAsync() : await ems.ConnectJsonAsync();
        await cli.Stream.WriteAsync(Encoding.ASCII.GetBytes(sent));
        var lines = new List<string>();
        try
        {
            while (await cli.ReadLineAsync() is { } line)
                lines.Add(line);
        }
        catch (IOException)
        {
            // closed with our unread lines in its buffer: a reset instead of an end of stream
        }

        Assert.DoesNotContain(lines, l => l.Contains("FAIL", StringComparison.Ordinal) || l.Contains("shutting down", StringComparison.Ordinal));
        Assert.True(ems.Logs.Contains("sent an HTTP request (a web page?); connection dropped"));
        Assert.False(ems.Host.ApplicationStopping.IsCancellationRequested);
        Assert.Equal("SUCCESS", (await ems.HttpAsync("version")).Status());
    });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task With_a_password_the_first_line_must_be_auth(bool ascii) => TestEms.WithAsync(
        async ems =>
        {
            async Task<CliClient> ConnectAsync() => ascii ? await ems.ConnectAsciiAsync() : await ems.ConnectJsonAsync();
            async Task<string> FirstReplyLineAsync(CliClient cli, string line) =>
                ascii ? string.Join("\n", await cli.AsciiAsync(line)) : (await cli.JsonAsync(line)).GetRawText();

            await using (var anonymous = await ConnectAsync())
            {
                var reply = await FirstReplyLineAsync(anonymous, "shutdownServer");
                Assert.Contains("Authentication required: send auth <password> first", reply, StringComparison.Ordinal);
                Assert.Null(await anonymous.ReadLineAsync());
            }

            await using (var wrong = await ConnectAsync())
            {
                Assert.Contains("Wrong password", await FirstReplyLineAsync(wrong, "auth nope"), StringComparison.Ordinal);
                Assert.Null(await wrong.ReadLineAsync());
            }

            await using var right = await ConnectAsync();
            Assert.Contains("Authenticated", await FirstReplyLineAsync(right, "auth s3cret pass"), StringComparison.Ordinal);
            Assert.Contains(ascii ? "Command entered successfully!" : "SUCCESS", await FirstReplyLineAsync(right, "version"), StringComparison.Ordinal);
            Assert.False(ems.Host.ApplicationStopping.IsCancellationRequested);
            Assert.Equal(2, ems.Logs.Count("failed authentication"));
        },
        o => o.Api.CliPassword = "s3cret pass");

    [Fact]
    public Task Connections_per_address_are_capped_and_other_addresses_still_served() => TestEms.WithAsync(
        async ems =>
        {
            await using var a = await CliClient.ConnectAsync(ems.Host.JsonCliEndPoint!, Loopback2);
            await using var b = await CliClient.ConnectAsync(ems.Host.JsonCliEndPoint!, Loopback2);
            Assert.Equal("SUCCESS", (await a.JsonAsync("version")).Status());
            Assert.Equal("SUCCESS", (await b.JsonAsync("version")).Status());

            await using var third = await CliClient.ConnectAsync(ems.Host.JsonCliEndPoint!, Loopback2);
            var refused = Envelope.Parse((await third.ReadLineAsync())!);
            Assert.Equal("FAIL", refused.Status());
            Assert.Equal("Too many connections from 127.0.0.2 (max 2); try again later", refused.Description());
            Assert.Null(await third.ReadLineAsync());

            await using var other = await ems.ConnectJsonAsync();
            Assert.Equal("SUCCESS", (await other.JsonAsync("version")).Status());
        },
        o => o.Api.MaxCliConnectionsPerIp = 2);

    [Fact]
    public Task A_normal_client_is_served_while_300_slow_clients_are_connected() => TestEms.WithAsync(async ems =>
    {
        // Defaults: 64 connections per listener, 32 per address. 300 clients from 127.0.0.2: half connect and say
        // nothing, half send half a line; without the per-address cap they would take every slot.
        var slow = new List<CliClient>();
        try
        {
            for (var i = 0; i < 300; i++)
            {
                var client = await CliClient.ConnectAsync(ems.Host.JsonCliEndPoint!, Loopback2);
                slow.Add(client);
                if (i % 2 == 1)
                    await SendHalfALineAsync(client);
            }

            await ems.Logs.WaitForCountAsync("Too many connections from 127.0.0.2 (max 32)", 300 - 32);
            await using var normal = await ems.ConnectJsonAsync();
            Assert.Equal("SUCCESS", (await normal.JsonAsync("version")).Status());
            await using var ascii = await ems.ConnectAsciiAsync();
            Assert.Equal("Command entered successfully!", (await ascii.AsciiAsync("version"))[0]);
            Assert.Equal(300 - 32, ems.Logs.Count("Too many connections from 127.0.0.2"));
        }
        finally
        {
            foreach (var client in slow)
                await client.DisposeAsync();
        }

        Assert.Equal(0, (await ems.HttpAsync("listConfig")).Data().GetProperty("webrtc").GetArrayLength());
    });

    [Fact]
    public async Task Unfinished_bytes_do_not_restart_the_idle_timeout()
    {
        var time = new ObservedTimeProvider();
        await using var listener = StartListener(time, idle: TimeSpan.FromSeconds(60), line: TimeSpan.FromSeconds(50), maxConnections: 1);
        await using var cli = await CliClient.ConnectAsync(listener.LocalEndPoint!);
        await time.WaitForArmedAsync(TimeSpan.FromSeconds(60));

        time.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal("SUCCESS", (await cli.JsonAsync("version")).Status());
        await time.WaitForArmedAsync(TimeSpan.FromSeconds(60)); // a complete line restarts it

        time.Advance(TimeSpan.FromSeconds(30));
        await cli.Stream.WriteAsync("vers"u8.ToArray());
        await time.WaitForArmedAsync(TimeSpan.FromSeconds(30)); // 60 - 30: the bytes did not restart it
        time.Advance(TimeSpan.FromSeconds(30));

        var closed = Envelope.Parse((await cli.ReadLineAsync())!);
        Assert.Equal("No command for 60 s; connection closed", closed.Description());
        Assert.Null(await cli.ReadLineAsync());

        // Its slot is free again (the listener takes one connection).
        await using var next = await CliClient.ConnectAsync(listener.LocalEndPoint!);
        Assert.Equal("SUCCESS", (await next.JsonAsync("version")).Status());
    }

    [Fact]
    public async Task A_line_must_be_finished_within_the_line_timeout()
    {
        var time = new ObservedTimeProvider();
        await using var listener = StartListener(time, idle: TimeSpan.FromSeconds(300), line: TimeSpan.FromSeconds(20), maxConnections: 4);
        await using var cli = await CliClient.ConnectAsync(listener.LocalEndPoint!);
        await time.WaitForArmedAsync(TimeSpan.FromSeconds(300));

        await cli.Stream.WriteAsync("vers"u8.ToArray());
        await time.WaitForArmedAsync(TimeSpan.FromSeconds(20));
        time.Advance(TimeSpan.FromSeconds(19));
        await cli.Stream.WriteAsync("io"u8.ToArray());
        await time.WaitForArmedAsync(TimeSpan.FromSeconds(1)); // more bytes do not extend the line's deadline
        await cli.SendLineAsync("n");
        Assert.Equal("SUCCESS", Envelope.Parse((await cli.ReadLineAsync())!).Status());

        await cli.Stream.WriteAsync("startWebrtc ersip="u8.ToArray());
        await time.WaitForArmedAsync(TimeSpan.FromSeconds(20));
        time.Advance(TimeSpan.FromSeconds(20));
        var closed = Envelope.Parse((await cli.ReadLineAsync())!);
        Assert.Equal("FAIL", closed.Status());
        Assert.Equal("Line not completed within 20 s; connection closed", closed.Description());
        Assert.Null(await cli.ReadLineAsync());
    }

    [Fact]
    public async Task A_full_listener_closes_its_oldest_silent_connection_for_a_new_client()
    {
        var time = new ObservedTimeProvider();
        var idle = TimeSpan.FromSeconds(300);
        await using var listener = StartListener(time, idle, line: TimeSpan.FromSeconds(30), maxConnections: 4);
        var silent = new List<CliClient>();
        try
        {
            // Four connections from four addresses that send nothing, each admitted (reading, its idle timer armed) in turn.
            for (var n = 2; n <= 5; n++)
            {
                silent.Add(await CliClient.ConnectAsync(listener.LocalEndPoint!, IPAddress.Parse($"127.0.0.{n}")));
                await time.WaitForArmedAsync(idle);
            }

            await using var client = await CliClient.ConnectAsync(listener.LocalEndPoint!, IPAddress.Loopback);
            Assert.Equal("SUCCESS", (await client.JsonAsync("version")).Status());

            var evicted = Envelope.Parse((await silent[0].ReadLineAsync())!);
            Assert.Equal("FAIL", evicted.Status());
            Assert.Equal("Too many connections (max 4): closed for a new one, as this one had not sent a command", evicted.Description());
            Assert.Null(await silent[0].ReadLineAsync());
            foreach (var kept in silent.Skip(1))
                Assert.Equal("SUCCESS", (await kept.JsonAsync("version")).Status()); // only the oldest was closed
        }
        finally
        {
            foreach (var client in silent)
                await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_client_that_sent_a_command_is_never_closed_for_another()
    {
        var time = new ObservedTimeProvider();
        var idle = TimeSpan.FromSeconds(300);
        await using var listener = StartListener(time, idle, line: TimeSpan.FromSeconds(30), maxConnections: 2);
        await using var working = await CliClient.ConnectAsync(listener.LocalEndPoint!, Loopback2);
        await time.WaitForArmedAsync(idle);
        Assert.Equal("SUCCESS", (await working.JsonAsync("version")).Status());
        await time.WaitForArmedAsync(idle); // re-armed after the line: it reads again
        await using var silent = await CliClient.ConnectAsync(listener.LocalEndPoint!, IPAddress.Parse("127.0.0.3"));
        await time.WaitForArmedAsync(idle);

        // Full: the newcomer takes the silent connection's slot, although the working one is older.
        await using var newcomer = await CliClient.ConnectAsync(listener.LocalEndPoint!, IPAddress.Loopback);
        Assert.Equal("SUCCESS", (await newcomer.JsonAsync("version")).Status());
        Assert.Equal("FAIL", Envelope.Parse((await silent.ReadLineAsync())!).Status());
        Assert.Null(await silent.ReadLineAsync());
        Assert.Equal("SUCCESS", (await working.JsonAsync("version")).Status());

        // Full of clients that sent commands: a new connection is refused, as before eviction existed.
        await using var refused = await CliClient.ConnectAsync(listener.LocalEndPoint!, IPAddress.Parse("127.0.0.4"));
        Assert.Equal("Too many connections (max 2); try again later", Envelope.Parse((await refused.ReadLineAsync())!).Description());
        Assert.Null(await refused.ReadLineAsync());
        Assert.Equal("SUCCESS", (await working.JsonAsync("version")).Status());
        Assert.Equal("SUCCESS", (await newcomer.JsonAsync("version")).Status());
    }

    [Fact]
    public async Task With_a_password_only_authentication_keeps_a_connection_from_being_closed_for_another()
    {
        var time = new ObservedTimeProvider();
        var idle = TimeSpan.FromSeconds(300);
        await using var listener = StartListener(time, idle, line: TimeSpan.FromSeconds(30), maxConnections: 2, password: "s3cret");
        await using var authenticated = await CliClient.ConnectAsync(listener.LocalEndPoint!, Loopback2);
        await time.WaitForArmedAsync(idle);
        Assert.Equal("SUCCESS", (await authenticated.JsonAsync("auth s3cret")).Status());
        await time.WaitForArmedAsync(idle);
        await using var pending = await CliClient.ConnectAsync(listener.LocalEndPoint!, IPAddress.Parse("127.0.0.3"));
        await time.WaitForArmedAsync(idle);
        await pending.SendLineAsync(""); // a complete line, but no authentication
        await time.WaitForArmedAsync(idle);

        await using var newcomer = await CliClient.ConnectAsync(listener.LocalEndPoint!, IPAddress.Loopback);
        Assert.Equal("SUCCESS", (await newcomer.JsonAsync("auth s3cret")).Status());
        var evicted = Envelope.Parse((await pending.ReadLineAsync())!);
        Assert.Equal("Too many connections (max 2): closed for a new one, as this one had not authenticated", evicted.Description());
        Assert.Equal("SUCCESS", (await authenticated.JsonAsync("version")).Status());
    }

    private static async Task SendHalfALineAsync(CliClient client)
    {
        try
        {
            await client.Stream.WriteAsync("startWebrtc ersip=10.0.0.1 ersport="u8.ToArray());
        }
        catch (IOException)
        {
            // already refused and closed by the server
        }
    }

    private static CliListener StartListener(TimeProvider time, TimeSpan idle, TimeSpan line, int maxConnections, string? password = null)
    {
        var options = new EmsOptions();
        options.Api.CliPassword = password;
        options.Api.CliIdleTimeout = idle;
        options.Api.CliLineTimeout = line;
        options.Api.MaxCliConnections = maxConnections;
        var registry = new CommandRegistry([new VersionCommand(Options.Create(options))], NullLogger<CommandRegistry>.Instance);
        var listener = new CliListener(
            ApiTransport.JsonCli, new EndpointOptions { Port = 0 }, options.Api, registry, new NoLifetime(), time, NullLogger.Instance);
        listener.Start();
        return listener;
    }

    private sealed class NoLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
