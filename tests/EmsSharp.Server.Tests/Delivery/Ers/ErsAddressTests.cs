using EmsSharp.Server.Delivery.Ers;

namespace EmsSharp.Server.Tests.Delivery.Ers;

/// <summary><c>startWebrtc</c>'s <c>ersip</c>: one address or a list of up to 8 (issue 17).</summary>
public sealed class ErsAddressTests
{
    public static TheoryData<string, string[]> GoodLists => new()
    {
        { "52.6.14.61", ["52.6.14.61:4545"] }, // EvoStream's form: the port is ersport
        { "ers.example", ["ers.example:4545"] },
        { "::1", ["[::1]:4545"] }, // a bare IPv6 address is a host
        { "2001:db8::1", ["[2001:db8::1]:4545"] },
        { "10.0.0.1,10.0.0.2:4546,[::1]:4547", ["10.0.0.1:4545", "10.0.0.2:4546", "[::1]:4547"] },
        { "a:1,b:65535,c,d,e,f,g,h", ["a:1", "b:65535", "c:4545", "d:4545", "e:4545", "f:4545", "g:4545", "h:4545"] },
        { "[2001:db8::1]:80,::2", ["[2001:db8::1]:80", "[::2]:4545"] },
    };

    public static TheoryData<string, string> BadLists => new()
    {
        { "", "entry 1 '' is not" },
        { "a,,b", "entry 2 '' is not" }, // no empty entries
        { "a,", "entry 2 '' is not" },
        { "a,b:0", "entry 2 'b:0' is not" }, // port 1..65535
        { "a,b:65536", "entry 2 'b:65536' is not" },
        { "a:-1", "entry 1 'a:-1' is not" },
        { "a:45x", "entry 1 'a:45x' is not" },
        { "a:", "entry 1 'a:' is not" },
        { "a,[::1]", "entry 2 '[::1]' is not" }, // brackets only with a port
        { "[1.2.3.4]:80", "entry 1 '[1.2.3.4]:80' is not" }, // brackets only around IPv6
        { "[::1]:", "entry 1 '[::1]:' is not" },
        { "a,http://b", "entry 2 'http://b' is not" },
        { "a,x/abuse#", "entry 2 'x/abuse#' is not" },
        { "a, b", "entry 2 ' b' is not" },
        { "a,b\nc", "entry 2 'b?c' is not" }, // control characters are not echoed
        { "a,b,c,d,e,f,g,h,i", "9 entries, at most 8" },
        { string.Join(',', Enumerable.Repeat(new string('a', 253) + ":65535", 8)) + "x", "longer than 2079 characters" },
    };

    [Theory]
    [MemberData(nameof(GoodLists))]
    public void Lists_parse_in_order_with_ersport_for_entries_without_a_port(string ersIp, string[] expected)
    {
        Assert.True(ErsAddress.TryParseList(ersIp, 4545, out var addresses, out var problem), problem);
        Assert.Equal(expected, addresses.Select(a => a.ToString()));
    }

    [Theory]
    [MemberData(nameof(BadLists))]
    public void A_bad_list_is_refused_naming_the_bad_entry(string ersIp, string problem)
    {
        Assert.False(ErsAddress.TryParseList(ersIp, 4545, out var addresses, out var reason));
        Assert.StartsWith(problem, reason, StringComparison.Ordinal);
        Assert.Empty(addresses);
    }

    [Fact]
    public void The_longest_list_of_eight_longest_entries_is_accepted()
    {
        var longest = string.Join(',', Enumerable.Repeat(string.Join('.', Enumerable.Repeat(new string('a', 63), 4))[..253] + ":65535", 8));

        Assert.Equal(ErsAddress.MaxListLength, longest.Length);
        Assert.True(ErsAddress.TryParseList(longest, 4545, out var addresses, out var problem), problem);
        Assert.Equal(8, addresses.Length);
    }
}
