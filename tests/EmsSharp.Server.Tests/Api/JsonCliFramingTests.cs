using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace EmsSharp.Server.Tests.Api;

/// <summary>The JSON CLI's framing with EvoStream's length padding (the default, one reply per line, is everywhere else).</summary>
public sealed class JsonCliFramingTests
{
    [Fact]
    public async Task With_length_padding_each_reply_is_a_big_endian_length_the_json_and_two_crlf()
    {
        await using var ems = await TestEms.StartAsync(configure: o => o.Api.JsonCli.LengthPadding = true);
        using var client = new TcpClient();
        await client.ConnectAsync(ems.Host.JsonCliEndPoint!);
        var stream = client.GetStream();
        await stream.WriteAsync("version\nisStreamRunning id=424242\r\n"u8.ToArray());

        // As EvoStream's Ruby sample reads it: 4 bytes of length, then that many bytes (shared/EVOSTREAM-API.md §6).
        foreach (var (status, member) in new[] { ("SUCCESS", "releaseNumber"), ("SUCCESS", "Running") })
        {
            var header = new byte[4];
            await stream.ReadExactlyAsync(header).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            var length = BinaryPrimitives.ReadUInt32BigEndian(header);
            Assert.InRange(length, 5u, 64 * 1024u);
            var body = new byte[length];
            await stream.ReadExactlyAsync(body).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            var text = Encoding.UTF8.GetString(body);
            Assert.EndsWith("}\r\n\r\n", text, StringComparison.Ordinal);
            var reply = Envelope.Parse(text[..^4]);
            Assert.Equal(status, reply.Status());
            Assert.True(reply.Data().TryGetProperty(member, out _), text);
        }
    }
}
