using EmsSharp.Server.Recording;

namespace EmsSharp.Server.Tests.Recording;

/// <summary>Where a pathToFile resolves and the names of a recording's files.</summary>
public sealed class RecordPathTests
{
    private static readonly string Media = Path.Combine(Path.GetTempPath(), "ems-media-test");

    [Theory]
    [InlineData("x.mp4", "mp4", "x.mp4")]
    [InlineData("x", "mp4", "x.mp4")]
    [InlineData("shows/x.flv", "flv", "shows/x.flv")]
    [InlineData("shows/", "flv", "shows/cam.flv")]
    [InlineData("./x.mp4", "mp4", "x.mp4")]
    public void Relative_paths_go_into_the_media_folder(string path, string type, string expected)
    {
        Assert.True(RecordPath.TryResolve(path, type, "cam", Media, out var computed, out _));
        Assert.Equal(Path.Combine(Media, expected), computed);
    }

    [Theory]
    [InlineData("../x.mp4", "path traversal")]
    [InlineData("a/../../x.mp4", "path traversal")]
    [InlineData("/var/../etc/x.mp4", "path traversal")]
    [InlineData("a\u0001b.mp4", "control characters")]
    public void Traversal_and_control_characters_are_refused(string path, string reason)
    {
        Assert.False(RecordPath.TryResolve(path, "mp4", "cam", Media, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Absolute_paths_are_kept_and_files_are_numbered_and_dated()
    {
        Assert.True(RecordPath.TryResolve("/srv/rec/x.mp4", "mp4", "cam", Media, out var computed, out _));
        Assert.Equal("/srv/rec/x.mp4", computed);
        var day = new DateTimeOffset(2026, 12, 7, 23, 30, 0, TimeSpan.FromHours(-2)); // the 8th in UTC
        Assert.Equal("/srv/rec/x.mp4", RecordPath.FileName(computed, 0, false, day));
        Assert.Equal("/srv/rec/x_3.mp4", RecordPath.FileName(computed, 3, false, day));
        Assert.Equal("/srv/rec/2026/12/08/x_1.mp4", RecordPath.FileName(computed, 1, true, day));
    }

    [Fact]
    public void The_record_options_defaults_pass_and_bad_values_are_named()
    {
        var validator = new RecordOptionsValidator();
        Assert.True(validator.Validate(null, new RecordOptions()).Succeeded);
        var bad = validator.Validate(null, new RecordOptions { MediaFolder = " ", QueueFrames = 1, FragmentDuration = TimeSpan.Zero });
        Assert.Equal(3, bad.Failures!.Count());
        Assert.Contains(bad.Failures!, f => f.StartsWith("Record:QueueFrames", StringComparison.Ordinal));
    }
}
