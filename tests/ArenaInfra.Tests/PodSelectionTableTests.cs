using System.Management.Automation;
using System.Text.RegularExpressions;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Every pod command chooses its pods the same way. Each command runs through the same seven ways
/// of choosing, and the test looks at what the command actually acted on: the pods it emitted, the
/// pods its file names, never only what it said.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
public sealed class PodSelectionTableTests : IClassFixture<Sandbox>, IClassFixture<PodSelectionTableTests.OneRunspace>, IDisposable
{
    /// <summary>How a command is run ({0} is where the selection goes) and what state its pods need.</summary>
    public sealed record PodCommand(string Template, string SeedStatus, bool Changes, Func<HostResult, string, IEnumerable<string>> ActedOn);

    private static IEnumerable<string> Emitted(HostResult result, string _) => result.Output.Select(o => o switch
    {
        ArenaPod pod => pod.Name,
        ArenaPodOperationResult op => op.Name,
        ArenaGpuStatus gpu => gpu.Name,
        ArenaPodLogLine line => line.Name,
        ArenaLlmKeyResult key => key.Name,
        _ => null,
    }).OfType<string>();

    private static IEnumerable<string> Warned(HostResult result, string _) =>
        result.Warnings.Select(w => Regex.Match(w, @"^(camp-[a-z]+|other-[a-z]+): ")).Where(m => m.Success).Select(m => m.Groups[1].Value);

    private static IEnumerable<string> SshHosts(HostResult result, string _) =>
        result.Output.OfType<string>().SelectMany(text => Regex.Matches(text, @"(?m)^Host (camp-[a-z]+)$").Select(m => m.Groups[1].Value));

    private static IEnumerable<string> NginxUpstreams(HostResult result, string _) =>
        result.Output.OfType<string>().SelectMany(text => Regex.Matches(text, @"upstream camp_([a-z]+)").Select(m => "camp-" + m.Groups[1].Value));

    /// <summary>The machines the status page shows, as pod names.</summary>
    private static IEnumerable<string> StatusMachines(HostResult result, string dir)
    {
        var status = Path.Combine(dir, "status", "status.json");
        if (!File.Exists(status)) return Array.Empty<string>();
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(status));
        return json.RootElement.GetProperty("machines").EnumerateArray().Select(m => "camp-" + m.GetProperty("machine").GetString()).ToList();
    }

    private static IEnumerable<string> KitHosts(HostResult result, string dir)
    {
        var config = Path.Combine(dir, "kit", "camp.conf");
        return File.Exists(config) ? Regex.Matches(File.ReadAllText(config), @"(?m)^Host (camp-[a-z]+)$").Select(m => m.Groups[1].Value) : Array.Empty<string>();
    }

    /// <summary>Every command that works on pods. Reading ones may default to the fleet; changing ones must not.</summary>
    public static readonly Dictionary<string, PodCommand> Commands = new()
    {
        ["Get-ArenaPod"] = new("Get-ArenaPod {0}", "RUNNING", false, Emitted),
        ["Wait-ArenaPod"] = new("Wait-ArenaPod {0} -TimeoutSec 20 -PollIntervalSec 0.2", "RUNNING", false, Emitted),
        ["Start-ArenaPod"] = new("Start-ArenaPod {0} -Force -PassThru", "EXITED", true, Emitted),
        ["Stop-ArenaPod"] = new("Stop-ArenaPod {0} -Force -AllowDataLoss -PassThru", "RUNNING", true, Emitted),
        ["Remove-ArenaPod"] = new("Remove-ArenaPod {0} -Force -PassThru", "EXITED", true, Emitted),
        ["Lock-ArenaPod"] = new("Lock-ArenaPod {0} -Force", "RUNNING", true, Emitted),
        ["Unlock-ArenaPod"] = new("Unlock-ArenaPod {0} -Force", "RUNNING", true, Emitted),
        ["Test-ArenaPod"] = new("Test-ArenaPod {0} -Command true", "EXITED", false, Emitted),
        ["Get-ArenaIdlePod"] = new("Get-ArenaIdlePod {0}", "EXITED", false, Emitted),
        ["Invoke-ArenaPodCommand"] = new("Invoke-ArenaPodCommand {0} -Command true", "EXITED", true, Emitted),
        ["Initialize-ArenaPod"] = new("Initialize-ArenaPod {0} -Force", "EXITED", true, Emitted),
        ["Set-ArenaPodSecret"] = new("Set-ArenaPodSecret {0} -VariableName OPENAI_API_KEY -Value $secret -Force", "EXITED", true, Emitted),
        ["Save-ArenaPodWork"] = new("Save-ArenaPodWork {0} -Label d1 -Force", "EXITED", true, Emitted),
        ["Get-ArenaPodBranch"] = new("Get-ArenaPodBranch {0}", "EXITED", false, Emitted),
        ["New-ArenaPodBranch"] = new("New-ArenaPodBranch {0} -Label d1 -Force", "EXITED", true, Emitted),
        ["Set-ArenaPodBranch"] = new("Set-ArenaPodBranch {0} -Branch main -Force", "EXITED", true, Emitted),
        ["Copy-ArenaPodItem"] = new("Copy-ArenaPodItem {0} -Path $roster -Destination ~/roster.csv -Force", "EXITED", true, Emitted),
        ["Backup-ArenaPod"] = new("Backup-ArenaPod {0} -Label d1 -Destination $dir", "EXITED", false, Emitted),
        ["Restore-ArenaPod"] = new("Restore-ArenaPod {0} -Source $dir -Force", "EXITED", true, Emitted),
        ["Sync-ArenaPodAccess"] = new("Sync-ArenaPodAccess {0} -RosterPath $roster -Force", "EXITED", true, Emitted),
        ["Repair-ArenaPod"] = new("Repair-ArenaPod {0} -Force -ReadyTimeoutSec 1 -SkipSetup Git -TestCommand true", "EXITED", true, Emitted),
        ["Get-ArenaPodGpu"] = new("Get-ArenaPodGpu {0}", "EXITED", false, Emitted),
        ["Start-ArenaPodJob"] = new("Start-ArenaPodJob {0} -Command true -Force", "EXITED", true, Emitted),
        ["Get-ArenaPodJob"] = new("Get-ArenaPodJob {0}", "EXITED", false, Emitted),
        // A stopped pod runs no job: each chosen one is named in a warning.
        ["Receive-ArenaPodJob"] = new("Receive-ArenaPodJob {0}", "EXITED", false, Warned),
        ["Stop-ArenaPodJob"] = new("Stop-ArenaPodJob {0} -AllJobs -Force", "EXITED", true, Warned),
        ["Get-ArenaPodLog"] = new("Get-ArenaPodLog {0} -Tail 1", "EXITED", false, Emitted),
        ["Export-ArenaSshConfig"] = new("Export-ArenaSshConfig {0}", "RUNNING", false, SshHosts),
        ["Export-ArenaNginxConfig"] = new("Export-ArenaNginxConfig {0}", "RUNNING", false, NginxUpstreams),
        // Stopped pods take no key: each is a Failed result, and OpenRouter is not asked.
        ["New-ArenaLlmKey"] = new("New-ArenaLlmKey {0} -Force", "EXITED", true, Emitted),
        ["Reset-ArenaLlmKey"] = new("Reset-ArenaLlmKey {0} -Force", "EXITED", true, Emitted),
        ["Export-ArenaParticipantKit"] = new("Export-ArenaParticipantKit {0} -Path (Join-Path $dir kit) -Force", "RUNNING", false, KitHosts),
        ["Export-ArenaStatusPage"] = new("Export-ArenaStatusPage {0} -Path (Join-Path $dir status) -ProbeTimeoutSec 1", "EXITED", false, StatusMachines),
    };

    public static IEnumerable<object[]> EveryCommand() => Commands.Keys.Select(k => new object[] { k });

    private static readonly string[] Fleet = { "camp-alpha", "camp-bravo", "camp-charlie" };

    private readonly CampFleet _fleet;
    /// <summary>
    /// One runspace for the class: each run sets its variables and defaults afresh, and a runspace costs
    /// more to open than most of these commands take.
    /// </summary>
    public sealed class OneRunspace : IDisposable
    {
        public PowerShellHost Host { get; } = new();

        public void Dispose() => Host.Dispose();
    }

    private readonly PowerShellHost _host;

    public PodSelectionTableTests(Sandbox sandbox, OneRunspace runspace)
    {
        _host = runspace.Host;
        _fleet = new CampFleet(sandbox, "alpha", "bravo", "charlie");
        _fleet.Variables["csv"] = _fleet.Dir.Write("pods.csv", "Name,Note\nalpha,first\ncharlie,third\n");
    }

    public void Dispose()
    {
        _fleet.Dispose();
    }

    /// <summary>Runs the command with the selection, on three fleet pods and one outside it, in the state it needs.</summary>
    private (HostResult Result, List<string> ActedOn) Run(string command, string selection, string before = "")
    {
        var spec = Commands[command];
        _fleet.Seed(Fleet.Append("other-xray"), spec.SeedStatus);
        var result = _fleet.Run(_host, before + string.Format(spec.Template, selection));
        return (result, spec.ActedOn(result, _fleet.Dir.Path).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList());
    }

    private static void NoErrors(HostResult result)
    {
        Assert.Empty(result.Output.OfType<ErrorRecord>().Select(e => e.FullyQualifiedErrorId + ": " + e));
        Assert.Empty(result.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e));
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public void Piped_pods_are_exactly_what_it_acts_on(string command)
    {
        var (result, acted) = Run(command, "", "Get-ArenaPod -Name alpha, bravo | ");
        NoErrors(result);
        Assert.Equal(new[] { "camp-alpha", "camp-bravo" }, acted);
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public void An_empty_pipeline_does_nothing(string command)
    {
        var (result, acted) = Run(command, "", "@() | ");
        NoErrors(result);
        Assert.Empty(acted);
        Assert.False(_fleet.AnyChangeRequested());
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public void A_piped_object_of_the_wrong_type_is_a_binding_error_and_nothing_else(string command)
    {
        var (result, acted) = Run(command, "", "$cfg | ");
        Assert.Empty(acted);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("InputObjectNotBound", error.FullyQualifiedErrorId);
        Assert.False(_fleet.AnyChangeRequested());
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public void A_positional_name_chooses_that_pod(string command)
    {
        var (result, acted) = Run(command, "alpha");
        NoErrors(result);
        Assert.Equal(new[] { "camp-alpha" }, acted);
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public void Import_Csv_rows_bind_by_their_Name_column(string command)
    {
        var (result, acted) = Run(command, "", "Import-Csv $csv | ");
        NoErrors(result);
        Assert.Equal(new[] { "camp-alpha", "camp-charlie" }, acted);
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public void Name_star_is_every_fleet_pod_and_nothing_outside_it(string command)
    {
        var (result, acted) = Run(command, "-Name *");
        NoErrors(result);
        Assert.Equal(Fleet, acted);
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public void No_selection_is_the_fleet_for_reading_commands_and_SelectionRequired_for_the_others(string command)
    {
        var (result, acted) = Run(command, "");
        if (Commands[command].Changes)
        {
            Assert.Empty(acted);
            Assert.Equal("SelectionRequired", result.CaughtErrorId);
            Assert.Contains("-Name *", result.Caught.ErrorDetails.RecommendedAction);
            Assert.False(_fleet.AnyChangeRequested());
        }
        else
        {
            NoErrors(result);
            Assert.Equal(Fleet, acted);
        }
    }

    /// <summary>Runs the command on the fleet with a second 'camp-alpha' beside the first, as anyone with the account could create it.</summary>
    private (HostResult Result, List<string> ActedOn, List<object?> Output) RunWithImpostor(string command, string selection)
    {
        var spec = Commands[command];
        _fleet.Seed(Fleet.Append("camp-alpha").Append("other-xray"), spec.SeedStatus);
        var result = _fleet.Run(_host, string.Format(spec.Template, selection));
        return (result, spec.ActedOn(result, _fleet.Dir.Path).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList(), result.Output.ToList());
    }

    private static IEnumerable<ErrorRecord> AllErrors(HostResult result) => result.Errors.Concat(result.Output.OfType<ErrorRecord>());

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public void A_name_two_pods_carry_is_refused_by_name_and_shown_by_Get_ArenaPod(string command)
    {
        foreach (var selection in new[] { "alpha", "-Name *" })
        {
            var (result, acted, output) = RunWithImpostor(command, selection);
            if (command == "Get-ArenaPod")
            {
                // Both pods shown, with their ids, and a warning saying what it means.
                Assert.Equal(2, output.OfType<ArenaPod>().Count(p => p.Name == "camp-alpha"));
                Assert.Contains(result.Warnings, w => w.StartsWith("camp-alpha: 2 pods have this name", StringComparison.Ordinal) && w.Contains("-Id", StringComparison.Ordinal));
                NoErrors(result);
                continue;
            }
            Assert.DoesNotContain("camp-alpha", acted);
            var error = Assert.Single(AllErrors(result), e => e.FullyQualifiedErrorId.StartsWith("DuplicatePodName", StringComparison.Ordinal));
            Assert.StartsWith("camp-alpha: 2 pods have this name", error.Exception.Message, StringComparison.Ordinal);
            Assert.Contains("-Id", error.ErrorDetails.RecommendedAction, StringComparison.Ordinal);
            Assert.Equal(selection == "alpha" ? Array.Empty<string>() : new[] { "camp-bravo", "camp-charlie" }, acted);
            if (selection == "alpha") Assert.False(_fleet.AnyChangeRequested());
        }
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public void One_pod_of_a_duplicated_name_chosen_by_its_id_is_acted_on(string command)
    {
        var spec = Commands[command];
        _fleet.Seed(Fleet.Append("camp-alpha").Append("other-xray"), spec.SeedStatus);
        var chosen = _fleet.Run(_host, "(Get-ArenaPod alpha -WarningAction Ignore | Sort-Object Id | Select-Object -First 1).Id").Output.OfType<string>().Single();
        _fleet.Variables["chosen"] = chosen;
        var result = _fleet.Run(_host, string.Format(spec.Template, "-Id $chosen"));
        NoErrors(result);
        Assert.Equal(new[] { "camp-alpha" }, spec.ActedOn(result, _fleet.Dir.Path).Distinct());
        var pods = result.Output.OfType<ArenaPod>().ToList();
        if (pods.Count > 0) Assert.All(pods, p => Assert.Equal(chosen, p.Id));
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public void Both_pods_of_a_duplicated_name_piped_in_are_refused(string command)
    {
        if (command == "Get-ArenaPod") return;
        var spec = Commands[command];
        _fleet.Seed(Fleet.Append("camp-alpha").Append("other-xray"), spec.SeedStatus);
        var result = _fleet.Run(_host, "Get-ArenaPod alpha, bravo -WarningAction Ignore | " + string.Format(spec.Template, ""));
        Assert.Equal(new[] { "camp-bravo" }, spec.ActedOn(result, _fleet.Dir.Path).Distinct());
        Assert.Single(AllErrors(result), e => e.FullyQualifiedErrorId.StartsWith("DuplicatePodName", StringComparison.Ordinal));
    }

    [Fact]
    public void The_table_covers_every_command_that_takes_pods()
    {
        var podCommands = typeof(ArenaInfra.Cmdlets.Base.PodCmdlet).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(ArenaInfra.Cmdlets.Base.PodCmdlet).IsAssignableFrom(t))
            .Select(t => ((CmdletAttribute)Attribute.GetCustomAttribute(t, typeof(CmdletAttribute))!))
            .Select(a => $"{a.VerbName}-{a.NounName}")
            .OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(Commands.Keys.OrderBy(n => n, StringComparer.Ordinal), podCommands);
    }
}
