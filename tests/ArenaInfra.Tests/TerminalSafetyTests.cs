using System.Management.Automation;
using System.Text.Json;
using System.Text.RegularExpressions;
using ArenaInfra.Cmdlets.Base;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Escape sequences from a pod (its participants have root) and from the API (anyone with the account
/// names pods): OSC 52 writes the organiser's clipboard, CSI 2J clears the screen. Each attack is run
/// for real against sshd pods, and what the module shows (format views rendered as a terminal gets
/// them, messages, warnings, errors) is checked to carry none of them, while the *Raw properties keep
/// the bytes as they came.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TerminalSafetyTests : IClassFixture<SshSandbox>, IDisposable
{
    private const string Clipboard = "\u001b]52;c;ZXZpbA==\u0007";
    private const string ClearScreen = "\u001b[2J";
    // The same two, as printf on the pod writes them.
    private const string PrintfAttack = @"\033]52;c;ZXZpbA==\007\033[2J";

    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();

    public TerminalSafetyTests(SshSandbox ssh)
    {
        _ssh = ssh;
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        _vars["key"] = CampFleet.Secure(Sandbox.ApiKey);
        _vars["cfg"] = SshCamp.Config(_dir, ssh.Sandbox, SshCamp.CopyKey(Path.Combine(_dir.Path, "shared")));
        // The module's own views, and a terminal that takes every sequence as it comes.
        _vars["format"] = Path.Combine(RepoPaths.Root, "ArenaInfra.Module", "ArenaInfra.Format.ps1xml");
        _host.Run("Update-FormatData -PrependPath $format; $PSStyle.OutputRendering = 'Ansi'", _vars);
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private HostResult Run(string script) =>
        _host.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n" + script, _vars);

    private string PodId(string name) => Run($"(Get-ArenaPod -Name {name}).Id").Output.Cast<string>().Single();

    private string PodFolder(string name) => Path.GetDirectoryName(_ssh.Sandbox!.PodHome(PodId(name)))!;

    /// <summary>
    /// Nothing a terminal acts on but PowerShell's own colours (SGR, ESC [ ... m): no OSC, no other CSI,
    /// no BEL, no C1, no lone carriage return.
    /// </summary>
    private static void NothingReachesTheTerminal(string shown, string what)
    {
        var rest = Regex.Replace(shown, "\u001b\\[[0-9;]*m", "");
        var bad = rest.Where(c => char.IsControl(c) && c != '\n' && c != '\t').Select(c => $"U+{(int)c:X4}").Distinct().ToList();
        Assert.True(bad.Count == 0, $"{what} sends {string.Join(", ", bad)} to the terminal:\n{shown.Replace("\u001b", "<ESC>").Replace("\u0007", "<BEL>")}");
    }

    /// <summary>Every way the objects of a run reach a terminal: the default view, Format-List, and (for results) as strings.</summary>
    private string Rendered(string pipeline, bool asStrings = true) =>
        string.Join("\n", Run($"$all = @({pipeline}); $all | Out-String; $all | Format-List | Out-String" + (asStrings ? "; $all | ForEach-Object { \"$_\" }" : "")).Output.Cast<string>());

    [SkippableFact]
    public void Command_output_that_writes_the_clipboard_and_clears_the_screen_is_shown_inert_and_kept_raw()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        var command = $"printf '{PrintfAttack}work\\n'; printf '{PrintfAttack}oops\\n' >&2; exit 2";
        _vars["command"] = command;

        var result = Run("Invoke-ArenaPodCommand -Name alpha -Command $command -InformationVariable info").Output.OfType<ArenaCommandResult>().Single();
        var shown = Rendered("Invoke-ArenaPodCommand -Name alpha -Command $command");
        var fields = Run("$r = Invoke-ArenaPodCommand -Name alpha -Command $command; $r.StdOut; $r.StdErr; ($r | Format-List * | Out-String)").Output.Cast<string>().ToList();

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(Clipboard + ClearScreen + "work\n", result.StdOutRaw);
        Assert.Equal(Clipboard + ClearScreen + "oops\n", result.StdErrRaw);
        Assert.Equal("?]52;c;ZXZpbA==??[2Jwork\n", result.StdOut);
        Assert.Contains("work", shown);
        NothingReachesTheTerminal(shown, "Invoke-ArenaPodCommand's views");
        NothingReachesTheTerminal(fields[0] + fields[1], "StdOut and StdErr");
        // Format-List * shows every property, the raw ones too: asked for by name, they come as they are.
        Assert.Contains(Clipboard, fields[2]);
    }

    [SkippableFact]
    public void A_failed_check_whose_output_holds_escapes_says_why_without_them()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        _vars["command"] = $"printf '{PrintfAttack}broken\\n' >&2; exit 3";

        var result = Run("Test-ArenaPod -Name alpha -Command $command").Output.OfType<ArenaPodTestResult>().Single();
        var run = Run("Test-ArenaPod -Name alpha -Command $command -InformationAction Continue -ErrorVariable errs -WarningVariable warns; $errs | Out-String; $warns | Out-String");
        var shown = Rendered("Test-ArenaPod -Name alpha -Command $command");

        Assert.False(result.Passed);
        Assert.Contains(Clipboard, result.OutputRaw);
        Assert.Contains("broken", result.Error);
        Assert.DoesNotContain('\u001b', result.Error!);
        NothingReachesTheTerminal(shown, "Test-ArenaPod's views");
        NothingReachesTheTerminal(string.Join("\n", run.Output.OfType<string>()), "Test-ArenaPod's errors and warnings");
    }

    [SkippableFact]
    public void Log_lines_with_escapes_are_shown_inert_and_kept_raw()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        sandbox.AppendLog(PodId("alpha"), new[] { ("container", Clipboard + "training started" + ClearScreen) }, past: true);

        var lines = Run("Get-ArenaPodLog -Name alpha -Tail 50").Output.OfType<ArenaPodLogLine>().ToList();
        var shown = Rendered("Get-ArenaPodLog -Name alpha -Tail 50");

        var attack = Assert.Single(lines, l => l.LineRaw.Contains("training started"));
        Assert.Equal(Clipboard + "training started" + ClearScreen, attack.LineRaw);
        Assert.Contains("training started", shown);
        NothingReachesTheTerminal(shown, "Get-ArenaPodLog's views");
    }

    [SkippableFact]
    public void An_nvidia_smi_that_prints_escapes_reaches_the_GPU_view_inert()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null");
        // alpha's nvidia-smi names its GPU with the attack; bravo's fails and says why with it.
        Replace(Path.Combine(PodFolder("alpha"), "bin", "nvidia-smi"), $"#!/bin/sh\nprintf '0, NVIDIA RTX A4000{PrintfAttack}, 1234, 16376, 37\\n'\n");
        Replace(Path.Combine(PodFolder("bravo"), "bin", "nvidia-smi"), $"#!/bin/sh\nprintf '{PrintfAttack}no devices\\n' >&2\nexit 9\n");

        var statuses = Run("Get-ArenaPod | Get-ArenaPodGpu -ConnectTimeoutSec 5").Output.OfType<ArenaGpuStatus>().ToDictionary(s => s.Name);
        var shown = Rendered("Get-ArenaPod | Get-ArenaPodGpu -ConnectTimeoutSec 5");

        Assert.Contains(Clipboard, statuses["camp-alpha"].FullModelRaw);
        Assert.False(statuses["camp-bravo"].Responding);
        Assert.Contains("no devices", statuses["camp-bravo"].Error);
        Assert.Contains("A4000", shown);
        Assert.Contains("no devices", shown);
        NothingReachesTheTerminal(shown, "Get-ArenaPodGpu's views");
    }

    [SkippableFact]
    public void A_pod_name_with_escapes_from_the_API_is_shown_inert_in_views_warnings_and_results()
    {
        var sandbox = _ssh.Require();
        var evil = "camp-alpha" + Clipboard + ClearScreen;
        sandbox.SeedPod(JsonSerializer.Serialize(new { name = evil, desiredStatus = "RUNNING", env = new[] { "PUBLIC_KEY=" + File.ReadAllText(Path.Combine(_dir.Path, "shared.pub")).Trim() } }));

        var pods = Run("Get-ArenaPod -All").Output.OfType<ArenaPod>().ToList();
        // A pod's own string is its name, which selects it: only the views are the module's to filter.
        var table = Rendered("Get-ArenaPod -All", asStrings: false);
        var test = Run("Test-ArenaPod -Name * -Command true -ConnectTimeoutSec 3 -WarningVariable warns -ErrorVariable errs -InformationVariable info; $warns | Out-String; $errs | Out-String; $info | Out-String");
        var results = Rendered("Test-ArenaPod -Name * -Command true -ConnectTimeoutSec 3");

        // The name itself stays as the API sent it: it is what selects the pod.
        Assert.Equal(evil, Assert.Single(pods).Name);
        NothingReachesTheTerminal(table, "Get-ArenaPod's views");
        NothingReachesTheTerminal(results, "Test-ArenaPod's results");
        NothingReachesTheTerminal(string.Join("\n", test.Output.OfType<string>().Concat(test.Warnings)), "Test-ArenaPod's warnings, errors and summary");
        Assert.Contains("camp-alpha?]52;c;ZXZpbA==", table);
    }

    [Fact]
    public void An_error_carrying_a_pods_text_is_shown_inert_and_the_filter_keeps_lines_and_tabs()
    {
        var error = new ArenaException(ArenaErrorIds.PodOperationFailed, ErrorCategory.NotSpecified,
            $"camp-alpha{Clipboard}: failed{ClearScreen}", $"Look at {Clipboard}", target: "camp-alpha" + ClearScreen);

        var record = ArenaCmdlet.ToErrorRecord(error, null);

        Assert.Equal("camp-alpha?]52;c;ZXZpbA==?: failed?[2J", record.ErrorDetails.Message);
        Assert.DoesNotContain('\u001b', record.ErrorDetails.RecommendedAction);
        Assert.DoesNotContain('\u001b', record.CategoryInfo.TargetName);
        Assert.DoesNotContain('\u001b', record.CategoryInfo.ToString());
        // C1 controls (a terminal may take U+009B as CSI) and reordering marks too; lines and tabs stay.
        Assert.Equal("a?[2J b?c\td\ne?f", TerminalText.Safe("a\u009b[2J b\u202ec\td\r\ne\rf"));
    }

    private static void Replace(string script, string text)
    {
        File.WriteAllText(script, text);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
