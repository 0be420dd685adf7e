using EmsSharp.Server.Security;

namespace EmsSharp.Server.Tests.Security;

public sealed class StreamKeysTests
{
    private static readonly Dictionary<string, string> Keys = new(StringComparer.Ordinal) { ["cam"] = "s3cret", ["*"] = "fallback" };

    [Theory]
    [InlineData("cam", "key=s3cret", nameof(KeyCheck.Admitted))]
    [InlineData("cam", "progressive&key=s3cret&adaptive", nameof(KeyCheck.Admitted))]
    [InlineData("cam", "progressive&adaptive", nameof(KeyCheck.KeyMissing))]
    [InlineData("cam", "", nameof(KeyCheck.KeyMissing))]
    [InlineData("cam", "key=fallback", nameof(KeyCheck.WrongKey))]
    [InlineData("Cam", "key=s3cret", nameof(KeyCheck.WrongKey))]
    [InlineData("other", "key=fallback", nameof(KeyCheck.Admitted))]
    [InlineData("other", "key=s3cret", nameof(KeyCheck.WrongKey))]
    public void Check_admits_only_the_names_key_or_the_fallback(string name, string query, string expected) =>
        Assert.Equal(expected, StreamKeys.Check(Keys, name, query).ToString());

    [Fact]
    public void Check_without_a_fallback_refuses_a_name_without_a_key_and_without_keys_admits_all()
    {
        var only = new Dictionary<string, string>(StringComparer.Ordinal) { ["cam"] = "s3cret" };
        Assert.Equal(KeyCheck.NoKeyForName, StreamKeys.Check(only, "other", "key=s3cret"));
        Assert.Equal(KeyCheck.Admitted, StreamKeys.Check(new Dictionary<string, string>(), "other", string.Empty));
    }

    [Fact]
    public void Validate_names_bad_names_and_empty_keys_and_accepts_the_fallback()
    {
        var failures = new List<string>();
        StreamKeys.Validate(new Dictionary<string, string> { ["*"] = "k", ["cam/1"] = "k", ["bad name"] = "k", ["cam"] = "" }, "X:Keys", failures);
        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("X:Keys: the stream name may only hold", StringComparison.Ordinal) && f.EndsWith("(bad name).", StringComparison.Ordinal));
        Assert.Contains("X:Keys:cam has an empty key.", failures);
    }
}
