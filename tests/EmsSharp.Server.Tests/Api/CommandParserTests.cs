using EmsSharp.Server.Api;

namespace EmsSharp.Server.Tests.Api;

public class CommandParserTests
{
    public static TheoryData<string, string, string[]> RoundTrip => new()
    {
        { "help", "help", [] },
        { "startWebrtc ersip=52.6.14.61 ersport=3535 roomid=testRoom", "startWebrtc", ["ersip=52.6.14.61", "ersport=3535", "roomid=testRoom"] },
        { "  startwebrtc   ERSIP=1.2.3.4\tersPort=1  ", "startwebrtc", ["ERSIP=1.2.3.4", "ersPort=1"] },
        { @"startWebrtc roomid=my\ room token=a\\b", "startWebrtc", ["roomid=my room", @"token=a\b"] },
        { "x token=abc== other=a=b", "x", ["token=abc==", "other=a=b"] },
        { "x empty=", "x", ["empty="] },
        { @"x path=c:\dir", "x", [@"path=c:\dir"] },
        { "x k=v\r", "x", ["k=v"] },
        { "x k=ünïcødé", "x", ["k=ünïcødé"] },
    };

    [Theory]
    [MemberData(nameof(RoundTrip))]
    public void Parses_and_formats_back(string line, string name, string[] pairs)
    {
        Assert.True(CommandParser.TryParse(line, out var request, out var error), error);
        Assert.Equal(name, request.Name);
        Assert.Equal(pairs.Length, request.Arguments.Count);
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            Assert.Equal(pair[(eq + 1)..], request.Arguments[pair[..eq]]);
        }

        Assert.True(CommandParser.TryParse(request.Format(), out var again, out _));
        Assert.Equal(request.Name, again.Name);
        Assert.Equal(request.Arguments, again.Arguments);
    }

    [Fact]
    public void Keys_are_case_insensitive()
    {
        Assert.True(CommandParser.TryParse("startWebRTC ErsIp=a", out var request, out _));
        Assert.Equal("a", request.Arguments["ersip"]);
        Assert.Equal("a", request.Arguments["ERSIP"]);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "", "Empty command line" },
        { "   \t ", "Empty command line" },
        { "ersip=1.2.3.4", "command name comes first" },
        { "startWebrtc ersip", "Malformed parameter: ersip" },
        { "startWebrtc =value", "Malformed parameter: =value" },
        { "x \0\u0001\u0002", "Malformed parameter" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Rejects_malformed_lines(string line, string expected)
    {
        Assert.False(CommandParser.TryParse(line, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string?> Values => new()
    {
        { nameof(ParameterKind.Boolean), "1", "true" },
        { nameof(ParameterKind.Boolean), "0", "false" },
        { nameof(ParameterKind.Boolean), "TRUE", "true" },
        { nameof(ParameterKind.Boolean), "false", "false" },
        { nameof(ParameterKind.Boolean), "yes", null },
        { nameof(ParameterKind.Boolean), "", null },
        { nameof(ParameterKind.Port), "1", "1" },
        { nameof(ParameterKind.Port), "65535", "65535" },
        { nameof(ParameterKind.Port), "0", null },
        { nameof(ParameterKind.Port), "65536", null },
        { nameof(ParameterKind.Port), "99999", null },
        { nameof(ParameterKind.Port), "abc", null },
        { nameof(ParameterKind.Port), "-1", null },
        { nameof(ParameterKind.Port), " 80", null },
        { nameof(ParameterKind.Integer), "-5", "-5" },
        { nameof(ParameterKind.Integer), "12", "12" },
        { nameof(ParameterKind.Integer), "1.5", null },
        { nameof(ParameterKind.Integer), "99999999999999999999", null },
        { nameof(ParameterKind.NonEmptyString), "", null },
        { nameof(ParameterKind.NonEmptyString), "r", "r" },
        { nameof(ParameterKind.String), "", "" },
        { nameof(ParameterKind.ErsAddressList), "ers.example", "ers.example" },
        { nameof(ParameterKind.ErsAddressList), "10.0.0.1,10.0.0.2:4546,[::1]:4547", "10.0.0.1,10.0.0.2:4546,[::1]:4547" },
        { nameof(ParameterKind.ErsAddressList), "a,,b", null },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Normalizes_or_rejects_values(string kindName, string raw, string? expected)
    {
        var kind = Enum.Parse<ParameterKind>(kindName);
        var ok = CommandParser.TryNormalize(kind, raw, out var normalized);
        Assert.Equal(expected is not null, ok);
        if (ok)
            Assert.Equal(expected, normalized);
    }

    [Fact]
    public void Never_throws_on_random_input()
    {
        var random = new Random(1234);
        var chars = new[] { 'a', 'B', '=', ' ', '\\', '\t', '\0', 'é', '\n', '1' };
        for (var i = 0; i < 5000; i++)
        {
            var length = random.Next(0, 40);
            var text = new char[length];
            for (var j = 0; j < length; j++)
                text[j] = chars[random.Next(chars.Length)];
            if (CommandParser.TryParse(new string(text), out var request, out _))
            {
                Assert.True(CommandParser.TryParse(request.Format(), out var again, out _));
                Assert.Equal(request.Arguments, again.Arguments);
            }
        }
    }
}
