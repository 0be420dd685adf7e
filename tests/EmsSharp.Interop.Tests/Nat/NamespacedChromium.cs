using EmsSharp.Interop.Tests.WebRtc;
using Microsoft.Playwright;

namespace EmsSharp.Interop.Tests.Nat;

/// <summary>
/// Headless Chromium inside a network namespace. Playwright talks to the browser over a pipe, so it launches a
/// generated wrapper script as its executable that execs <c>ip netns exec &lt;ns&gt; /usr/bin/chromium "$@"</c>;
/// the browser keeps the defaults a user gets (mDNS-hidden host candidates included) and a fresh profile.
/// </summary>
internal sealed class NamespacedChromium : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly string _folder;

    private NamespacedChromium(IPlaywright playwright, IBrowser browser, string folder)
    {
        _playwright = playwright;
        _browser = browser;
        _folder = folder;
    }

    /// <param name="topology">The namespaces.</param>
    /// <param name="netns">The namespace Chromium runs in.</param>
    /// <param name="extraArgs">More command-line switches (e.g. <c>--ignore-certificate-errors</c> for a self-signed ers).</param>
    public static async Task<NamespacedChromium> LaunchAsync(NetNsTopology topology, string netns, params string[] extraArgs)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("network namespaces are Linux only");
        if (!File.Exists(ChromiumHarness.ExecutablePath))
            throw new FileNotFoundException("Chromium is required (scripts/setup installs it)", ChromiumHarness.ExecutablePath);
        var folder = Directory.CreateTempSubdirectory("ems-nat-chromium-").FullName;
        var wrapper = Path.Combine(folder, "chromium-in-netns");
        var exec = string.Join(' ', topology.Exec(netns).Select(a => "'" + a + "'"));
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec {exec} '{ChromiumHarness.ExecutablePath}' \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = wrapper,
                Headless = true,
                // No background requests (update checks, sync): they only add DNS queries nobody answers here.
                Args =
                [
                    "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    .. extraArgs,
                ],
                Timeout = 30_000,
            });
            var result = new NamespacedChromium(playwright, browser, folder);
            if (topology.Pids(netns).Count == 0)
            {
                await result.DisposeAsync();
                throw new InvalidOperationException($"Chromium started, but no process runs inside {netns}");
            }

            return result;
        }
        catch
        {
            playwright.Dispose();
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>A new page that keeps its console messages in <paramref name="console"/>.</summary>
    public async Task<IPage> NewPageAsync(List<string> console)
    {
        var page = await _browser.NewPageAsync();
        page.Console += (_, message) =>
        {
            lock (console)
                console.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {message.Type}: {message.Text}");
        };
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        _playwright.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
