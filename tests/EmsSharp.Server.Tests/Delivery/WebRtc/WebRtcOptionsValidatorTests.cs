using EmsSharp.Server.Delivery.WebRtc;

namespace EmsSharp.Server.Tests.Delivery.WebRtc;

public sealed class WebRtcOptionsValidatorTests
{
    [Fact]
    public void Defaults_are_valid_and_mean_one_worker_per_processor()
    {
        var options = new WebRtcOptions();
        Assert.Equal(0, options.Workers);
        Assert.True(new WebRtcOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData(-1, 10, "WebRtc:Workers")]
    [InlineData(257, 10, "WebRtc:Workers")]
    [InlineData(2, 0, "WebRtc:StreamWaitTimeout")]
    public void Bad_values_are_named(int workers, int waitSeconds, string named)
    {
        var result = new WebRtcOptionsValidator().Validate(null,
            new WebRtcOptions { Workers = workers, StreamWaitTimeout = TimeSpan.FromSeconds(waitSeconds) });
        Assert.True(result.Failed);
        Assert.Contains(named, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxViewers_defaults_to_no_cap_and_refuses_a_negative_cap_by_name()
    {
        Assert.Equal(0, new WebRtcOptions().MaxViewers);
        Assert.True(new WebRtcOptionsValidator().Validate(null, new WebRtcOptions { MaxViewers = 500 }).Succeeded);
        var result = new WebRtcOptionsValidator().Validate(null, new WebRtcOptions { MaxViewers = -1 });
        Assert.True(result.Failed);
        Assert.Contains("WebRtc:MaxViewers must be >= 0 (0: no cap), not -1", result.FailureMessage, StringComparison.Ordinal);
    }
}
