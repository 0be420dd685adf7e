using EmsSharp.Protocols.Rtmp.Amf0;

namespace EmsSharp.Protocols.Tests.Rtmp;

public class Amf0ValueTests
{
    public static TheoryData<string, string> KnownEncodings => new()
    {
        // AMF0 specification §2.2-§2.14 encodings.
        { "number 1.0", "00 3F F0 00 00 00 00 00 00" },
        { "boolean true", "01 01" },
        { "string ab", "02 00 02 61 62" },
        { "object {a:true}", "03 00 01 61 01 01 00 00 09" },
        { "null", "05" },
        { "undefined", "06" },
        { "ecma array {a:null}", "08 00 00 00 01 00 01 61 05 00 00 09" },
        { "strict array [null, 0.0]", "0A 00 00 00 02 05 00 00 00 00 00 00 00 00 00" },
        { "date 0", "0B 00 00 00 00 00 00 00 00 00 00" },
        { "long string a", "0C 00 00 00 01 61" },
    };

    public static TheoryData<string, string> Malformed => new()
    {
        { "empty", "" },
        { "truncated number", "00 3F F0" },
        { "truncated boolean", "01" },
        { "string longer than input", "02 00 05 61 62" },
        { "long string of 4 GiB", "0C FF FF FF FF 61" },
        { "object key without value", "03 00 01 61" },
        { "object without end marker", "03 00 01 61 05" },
        { "object end at top level", "09" },
        { "reference (unsupported)", "07 00 01" },
        { "strict array claiming 4 billion items", "0A FF FF FF FF 05" },
        { "strict array shorter than its count", "0A 00 00 00 03 05 05" },
        { "ecma array without end marker", "08 00 00 00 01 00 01 61 05" },
        { "ecma array without count", "08 00 00" },
        { "AMF3 switch (unsupported)", "11 01" },
        { "unsupported marker", "0D" },
        { "truncated date", "0B 00 00 00" },
    };

    [Theory]
    [MemberData(nameof(KnownEncodings))]
    public void Known_encodings_round_trip(string name, string hex)
    {
        var bytes = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
        Assert.True(Amf0Value.TryRead(bytes, out var value, out var consumed), name);
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(bytes.Length, value.GetSerializedLength());
        var written = new byte[bytes.Length];
        Assert.True(value.TryWrite(written, out var length));
        Assert.Equal(bytes.Length, length);
        Assert.Equal(bytes, written);
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_input_is_rejected(string name, string hex)
    {
        var bytes = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
        Assert.False(Amf0Value.TryRead(bytes, out _, out _), name);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_rejected()
    {
        var limits = new Amf0Limits(MaxDepth: 4);
        Assert.True(Amf0Value.TryRead(Nested(4), limits, out _, out _));
        Assert.False(Amf0Value.TryRead(Nested(5), limits, out _, out _));
        Assert.False(Amf0Value.TryRead(Nested(10_000), out _, out _));
    }

    [Fact]
    public void Value_count_and_string_limits_are_enforced()
    {
        var array = Amf0Value.FromStrictArray(Enumerable.Repeat(Amf0Value.Null, 100).ToArray());
        var bytes = Serialize(array);
        Assert.True(Amf0Value.TryRead(bytes, new Amf0Limits(MaxValues: 101), out _, out _));
        Assert.False(Amf0Value.TryRead(bytes, new Amf0Limits(MaxValues: 50), out _, out _));
        var text = Serialize(Amf0Value.FromString(new string('x', 100)));
        Assert.False(Amf0Value.TryRead(text, new Amf0Limits(MaxStringBytes: 99), out _, out _));
    }

    [Fact]
    public void Command_values_round_trip_and_properties_are_found()
    {
        var command = Amf0Value.FromObject(
        [
            new("app", Amf0Value.FromString("live")),
            new("tcUrl", Amf0Value.FromString("rtmp://127.0.0.1/live")),
            new("fpad", Amf0Value.FromBoolean(false)),
            new("audioCodecs", Amf0Value.FromNumber(4071)),
            new("nested", Amf0Value.FromEcmaArray([new("x", Amf0Value.Undefined)])),
        ]);
        var bytes = Serialize(command);
        Assert.True(Amf0Value.TryRead(bytes, out var read, out _));
        Assert.Equal(bytes, Serialize(read));
        Assert.True(read.TryGetProperty("app", out var app));
        Assert.Equal("live", app.Text);
        Assert.False(read.TryGetProperty("missing", out _));
        var longText = Amf0Value.FromString(new string('y', 70_000));
        Assert.Equal(Amf0Type.LongString, longText.Type);
        Assert.True(Amf0Value.TryRead(Serialize(longText), out var longRead, out _));
        Assert.Equal(70_000, longRead.Text!.Length);
    }

    [Fact]
    public void TryReadAll_reads_a_command_body_and_TryWrite_refuses_a_short_buffer()
    {
        var body = Serialize(Amf0Value.FromString("connect")).Concat(Serialize(Amf0Value.FromNumber(1))).ToArray();
        var values = new List<Amf0Value>();
        Assert.True(Amf0Value.TryReadAll(body, Amf0Limits.Default, values));
        Assert.Equal(["connect", "1"], values.Select(v => v.ToString()));
        Assert.False(Amf0Value.FromNumber(1).TryWrite(new byte[8], out var written));
        Assert.Equal(0, written);
    }

    internal static byte[] Serialize(Amf0Value value)
    {
        var bytes = new byte[value.GetSerializedLength()];
        Assert.True(value.TryWrite(bytes, out _));
        return bytes;
    }

    private static byte[] Nested(int depth)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < depth; i++)
        {
            bytes.AddRange([0x03, 0x00, 0x01, 0x61]);
        }

        bytes.Add(0x05);
        for (var i = 0; i < depth; i++)
        {
            bytes.AddRange([0x00, 0x00, 0x09]);
        }

        return [.. bytes];
    }
}
