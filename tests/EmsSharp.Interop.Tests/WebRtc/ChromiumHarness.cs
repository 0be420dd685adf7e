using Microsoft.Playwright;

namespace EmsSharp.Interop.Tests.WebRtc;

/// <summary>
/// Headless Chromium (the Debian build at /usr/bin/chromium) driven by Playwright, with a blank page that
/// scripts can use for RTCPeerConnection. No browser download: the executable path is fixed; a missing browser
/// fails the test.
/// </summary>
public sealed class ChromiumHarness : IAsyncDisposable
{
    /// <summary>Where the Debian package installs Chromium.</summary>
    public const string ExecutablePath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private ChromiumHarness(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
    }

    /// <summary>The page scripts run in.</summary>
    public IPage Page { get; }

    /// <summary>
    /// Launches Chromium. Host candidates are not hidden behind mDNS and loopback is allowed, so ICE works on
    /// 127.0.0.1; the server copes with mDNS candidates anyway (peer-reflexive learning).
    /// </summary>
    public static async Task<ChromiumHarness> LaunchAsync(bool hideIpsWithMdns = false)
    {
        var args = new List<string>
        {
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--allow-loopback-in-peer-connection",
        };
        if (!hideIpsWithMdns)
        {
            args.Add("--disable-features=WebRtcHideLocalIpsWithMdns");
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = args,
            });
            var page = await browser.NewPageAsync();
            await page.SetContentAsync("<!doctype html><html><body>ems interop</body></html>");
            return new ChromiumHarness(playwright, browser, page);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        _playwright.Dispose();
    }
}
