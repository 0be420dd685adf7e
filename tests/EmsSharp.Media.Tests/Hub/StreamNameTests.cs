using EmsSharp.Media.Hub;

namespace EmsSharp.Media.Tests.Hub;

public sealed class StreamNameTests
{
    [Theory]
    [InlineData("test")]
    [InlineData("live/cam-1_720p.main")]
    [InlineData("a:b@c+d=e~f")]
    public void Names_of_letters_digits_and_url_safe_punctuation_are_valid(string name)
    {
        Assert.True(StreamName.IsValid(name, out var reason));
        Assert.Empty(reason);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("with space", "may only hold")]
    [InlineData("query?x=1", "may only hold")]
    [InlineData("frag#1", "may only hold")]
    [InlineData("percent%20", "may only hold")]
    [InlineData("tab\tname", "may only hold")]
    [InlineData("caméra", "may only hold")]
    public void Other_names_are_refused_with_a_reason(string name, string expected)
    {
        Assert.False(StreamName.IsValid(name, out var reason));
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Length_is_bounded()
    {
        Assert.True(StreamName.IsValid(new string('a', StreamName.MaxLength), out _));
        Assert.False(StreamName.IsValid(new string('a', 200_000), out var reason));
        Assert.Contains("longer than 256", reason, StringComparison.Ordinal);
    }
}
