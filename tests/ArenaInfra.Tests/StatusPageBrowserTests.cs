using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ArenaInfra.StatusPage;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// The status page in a real headless Chromium, served from the written folder over 127.0.0.1: the
/// machines of status.json render (which also proves the page's policy lets its own script run), an
/// old status says stale, and a hostile machine name stays text: no element made from it, no script
/// of it run. A phone-sized screenshot is kept with the test results. Without Chromium these tests
/// fail, saying how to install it: a page nobody opened is not tested.
/// </summary>
[Trait("Category", "Browser")]
public sealed class StatusPageBrowserTests : IDisposable
{
    private const string Hostile = "<img src=x onerror=\"document.title='pwned';document.body.appendChild(document.createElement('pwned'))\"><script>document.title='pwned';document.body.appendChild(document.createElement('pwned'))</script>";
    private static readonly TimeSpan BrowserTimeout = TimeSpan.FromSeconds(40);

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string ChromiumPath()
    {
        var found = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);
        Assert.True(found != null, "Chromium is not installed, and the status page's browser tests need it: install the Debian package 'chromium' (apt-get install chromium; .ci/run installs it).");
        return found!;
    }

    private static StatusFile Status(DateTimeOffset written) => new()
    {
        Written = written.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
        Machines =
        {
            new StatusMachine { Machine = "alpha", Gpu = "RTX A4000", State = "up", Check = "PASS", CheckedAt = written.AddHours(-2).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'") },
            new StatusMachine { Machine = "bravo", Gpu = "2 x RTX 4090", State = "starting" },
            new StatusMachine { Machine = Hostile, State = "down", Check = "FAIL", CheckedAt = written.AddMinutes(-30).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'") },
        },
    };

    /// <summary>Serves the folder's two files on a free loopback port while the browser runs; what was asked for is kept.</summary>
    private sealed class FolderServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly string _folder;
        private readonly List<string> _requests = new();

        public FolderServer(string folder)
        {
            _folder = folder;
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            _listener.Start();
            _ = Task.Run(Serve);
        }

        public int Port { get; }

        public IReadOnlyList<string> Requests { get { lock (_requests) return _requests.ToList(); } }

        private async Task Serve()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                var path = context.Request.Url!.AbsolutePath;
                lock (_requests) _requests.Add(path);
                var file = path switch { "/index.html" => "index.html", "/status.json" => "status.json", _ => null };
                using var response = context.Response;
                if (file == null)
                {
                    response.StatusCode = 404;
                    continue;
                }
                var bytes = await File.ReadAllBytesAsync(Path.Combine(_folder, file));
                response.ContentType = file.EndsWith(".html", StringComparison.Ordinal) ? "text/html; charset=utf-8" : "application/json";
                response.ContentLength64 = bytes.Length;
                await response.OutputStream.WriteAsync(bytes);
            }
        }

        public void Dispose() => _listener.Close();
    }

    /// <summary>Runs headless Chromium on the page: the DOM after its script ran, and a screenshot when asked. Killed by its PID if it overruns.</summary>
    private string Browse(string folder, string? screenshot = null)
    {
        var chromium = ChromiumPath();
        using var server = new FolderServer(folder);
        using var profile = new TempDir();
        var info = new ProcessStartInfo(chromium) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", $"--user-data-dir={profile.Path}", "--virtual-time-budget=5000",
        })
        {
            info.ArgumentList.Add(arg);
        }
        if (screenshot != null)
        {
            info.ArgumentList.Add($"--screenshot={screenshot}");
            info.ArgumentList.Add("--window-size=390,844");
        }
        info.ArgumentList.Add("--dump-dom");
        info.ArgumentList.Add($"http://127.0.0.1:{server.Port}/index.html");
        using var browser = Process.Start(info)!;
        var dom = browser.StandardOutput.ReadToEndAsync();
        var said = browser.StandardError.ReadToEndAsync();
        if (!browser.WaitForExit(BrowserTimeout))
        {
            browser.Kill(entireProcessTree: true);
            browser.WaitForExit(5000);
            Assert.Fail($"Chromium ran past {BrowserTimeout.TotalSeconds} s and was killed.");
        }
        browser.WaitForExit();
        Assert.True(browser.ExitCode == 0, $"Chromium exited with {browser.ExitCode}: {said.Result}");
        Assert.All(server.Requests, r => Assert.Contains(r, new[] { "/index.html", "/status.json" }));
        Assert.Contains("/status.json", server.Requests);
        return dom.Result;
    }

    private static Dictionary<string, string> Rendered(string dom) =>
        Regex.Matches(dom, "<li class=\"machine\" data-state=\"(?<state>[a-z]+)\"><div class=\"top\"><span class=\"name\">(?<name>[^<]*)</span><span class=\"state\">[a-z]+</span></div>")
            .ToDictionary(m => WebUtility.HtmlDecode(m.Groups["name"].Value), m => m.Groups["state"].Value);

    [Fact]
    public void The_machines_render_a_hostile_name_stays_text_and_a_phone_screenshot_is_kept()
    {
        var folder = Path.Combine(_dir.Path, "page");
        StatusPageWriter.Write(folder, Status(DateTimeOffset.UtcNow));
        var results = Directory.CreateDirectory(Path.Combine(RepoPaths.Root, "out", "test-results", "status-page")).FullName;
        var screenshot = Path.Combine(results, "status-page-phone.png");
        File.Delete(screenshot);

        var dom = Browse(folder, screenshot);

        // The page's own script ran under its policy: it rendered every machine, the hostile one as its text.
        Assert.Equal(new Dictionary<string, string> { ["alpha"] = "up", ["bravo"] = "starting", [Hostile] = "down" }, Rendered(dom));
        Assert.Contains("<p id=\"summary\">3 machines: 1 up, 1 starting, 1 down</p>", dom, StringComparison.Ordinal);
        Assert.Contains("<span class=\"gpu\">RTX A4000</span><span class=\"check\">Deep check: PASS, 2 h ago</span>", dom, StringComparison.Ordinal);
        Assert.Contains("<span class=\"check\">Deep check: none yet</span>", dom, StringComparison.Ordinal);
        Assert.Contains("<span class=\"check\">Deep check: FAIL, 30 min ago</span>", dom, StringComparison.Ordinal);
        Assert.Contains("<p id=\"stale\" class=\"stale\" hidden=\"\"></p>", dom, StringComparison.Ordinal);
        // Nothing of the name became markup or ran: no image, no second script, no planted element, the title as written.
        Assert.Contains("&lt;img src=x onerror=", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", dom, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<pwned", dom, StringComparison.OrdinalIgnoreCase);
        Assert.Single(Regex.Matches(dom, "<script", RegexOptions.IgnoreCase));
        Assert.Contains("<title>Arena machines</title>", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("pwned</title>", dom, StringComparison.Ordinal);

        var png = File.ReadAllBytes(screenshot);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal((390, 844), (BigEndian(png, 16), BigEndian(png, 20)));
        Assert.True(png.Length > 10_000, $"the screenshot is {png.Length} bytes: a blank page, not the machines");
    }

    [Fact]
    public void A_status_older_than_ten_minutes_says_stale()
    {
        var folder = Path.Combine(_dir.Path, "page");
        StatusPageWriter.Write(folder, Status(DateTimeOffset.UtcNow.AddMinutes(-42)));

        var dom = Browse(folder);

        Assert.Equal(3, Rendered(dom).Count);
        Assert.Matches("<p id=\"stale\" class=\"stale\">Stale: this status is older than 10 minutes[^<]*</p>", dom);
        Assert.Matches("<p id=\"written\">Written 4[23] min ago", dom);
    }

    private static int BigEndian(byte[] bytes, int at) => (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
}
