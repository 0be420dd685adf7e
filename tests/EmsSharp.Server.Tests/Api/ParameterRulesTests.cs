using EmsSharp.Server.Api;

namespace EmsSharp.Server.Tests.Api;

public sealed class ParameterRulesTests
{
    public static TheoryData<string> GoodHosts => new()
    {
        "127.0.0.1",
        "52.6.14.61",
        "255.255.255.255",
        "localhost",
        "ers.example.com",
        "ERS-1.Example.org",
        "3com.net",
        "a",
        "::1", // IPv6 literals are accepted bare; the ERS client brackets them in its URIs
        "2001:db8::42",
        "::ffff:192.0.2.1",
        new string('a', 63) + ".example",
    };

    public static TheoryData<string> BadHosts => new()
    {
        "",
        "127.0.0.1:9", // a port
        "x/abuse#", // a path and a fragment
        "ers host", // a space
        "ers.example.com:4545",
        "http://ers.example.com",
        "user@ers",
        "ers.example.com/socket.io",
        "ers.example.com.", // no trailing dot
        ".example.com",
        "a..b",
        "-ers.example.com",
        "ers-.example.com",
        "ers_1.example.com",
        "érs.example.com",
        new string('a', 64) + ".example",
        string.Join('.', Enumerable.Repeat(new string('a', 63), 4)), // 255 characters
        "256.1.1.1",
        "127.1", // numeric names must be dotted quads
        "1",
        "010.0.0.1", // leading zero: octal for some resolvers
        "1.2.3.4.5",
        "[::1]", // IPv6 is written bare
        "[::1]:4545",
        "fe80::1%eth0", // no zone
        "1:2:3",
        "ers\texample",
        "ers\nexample",
    };

    [Theory]
    [MemberData(nameof(GoodHosts))]
    public void Host_names_and_addresses_are_accepted(string host) => Assert.True(ParameterRules.IsHostName(host), host);

    [Theory]
    [MemberData(nameof(BadHosts))]
    public void Ports_paths_spaces_and_malformed_names_are_refused(string host) => Assert.False(ParameterRules.IsHostName(host), host);

    [Theory]
    [InlineData("testRoom", false, true)]
    [InlineData("my room ?>~~", false, true)]
    [InlineData("", false, false)]
    [InlineData("", true, true)]
    [InlineData("a\nb", true, false)]
    [InlineData("a\u0000b", false, false)]
    [InlineData("a\u007Fb", false, false)]
    public void Names_are_bounded_and_free_of_control_characters(string name, bool allowEmpty, bool valid) =>
        Assert.Equal(valid, ParameterRules.IsName(name, allowEmpty));

    [Fact]
    public void Names_are_at_most_256_characters()
    {
        Assert.True(ParameterRules.IsName(new string('r', 256), allowEmpty: false));
        Assert.False(ParameterRules.IsName(new string('r', 257), allowEmpty: true));
    }
}
