using System.Diagnostics;
using System.Management.Automation;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Deploy-ArenaPod against sandbox pods that are real sshd processes: pods to READY with each stage's
/// time, results in readiness order (a slow pod holds nobody up), a pod failing its check replaced, a name
/// failing everywhere stopping at -MaxReplacements, Ctrl+C terminating nothing and a re-run completing,
/// and nothing done for an empty pipeline, -WhatIf or a session that cannot prompt.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[Trait(TestShard.Trait, TestShard.Second)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DeployArenaPodTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();
    private const string Defaults = "$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n";

    public DeployArenaPodTests(SshSandbox ssh)
    {
        _ssh = ssh;
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        foreach (var journal in new[] { "deploy-pods.json", "pending-creates.json" }) File.Delete(Path.Combine(ssh.DataDir!.Path, journal));
        var key = Path.Combine(_dir.Path, "shared");
        SshCamp.CopyKey(key);
        var origin = Path.Combine(_dir.Path, "origin.git");
        GitRepo.MakeOrigin(origin, Path.Combine(_dir.Path, "seed"));
        _vars["key"] = CampFleet.Secure(Sandbox.ApiKey);
        _vars["cfg"] = SshCamp.Config(_dir, ssh.Sandbox, key, SshCamp.CourseRepo(origin), machines: "(alpha bravo charlie delta)");
        _vars["secret"] = CampFleet.Secure("sk-deploy-test");
        _vars["marks"] = Directory.CreateDirectory(Path.Combine(_dir.Path, "marks")).FullName;
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    private HostResult Run(string script) => _host.Run(Defaults + script, _vars);

    private static List<ArenaDeployResult> Results(HostResult result) => result.Output.OfType<ArenaDeployResult>().ToList();

    private IReadOnlyList<LoggedRequest> Sent(string operation) => _ssh.Sandbox!.Requests().Where(r => r.OperationName == operation).ToList();

    [SkippableFact]
    public void Three_pods_reach_READY_each_with_its_stage_times_set_up_and_checked()
    {
        var sandbox = _ssh.Require();

        var run = Run("Deploy-ArenaPod -Count 3 -TestCommand 'echo checked-$ARENA_POD_NAME' -Secrets @{ OPENAI_API_KEY = $secret } -Force -InformationVariable info; $info.MessageData");

        Assert.Empty(run.Errors);
        Assert.Null(run.Terminating);
        var results = Results(run);
        Assert.Equal(new[] { "camp-alpha", "camp-bravo", "camp-charlie" }, results.Select(r => r.Name).OrderBy(n => n));
        foreach (var r in results)
        {
            Assert.Equal(ArenaDeployStatus.Ready, r.Status);
            Assert.Equal(ArenaDeployStage.Ready, r.Stage);
            Assert.Null(r.Error);
            Assert.False(r.Existing);
            Assert.Equal(new[] { ArenaDeployStage.Created, ArenaDeployStage.SshReady, ArenaDeployStage.SetUp, ArenaDeployStage.Secrets, ArenaDeployStage.Check }, r.StageSeconds.Select(s => s.Stage));
            Assert.Contains("OPENAI_API_KEY", File.ReadAllText(Path.Combine(sandbox.PodHome(r.PodId!), ".bashrc")));
            Assert.Contains("sk-deploy-test", File.ReadAllText(Path.Combine(sandbox.PodHome(r.PodId!), ".bashrc")));
            Assert.All(r.StageSeconds, s => Assert.True(s.Seconds >= 0));
            Assert.True(r.TotalSeconds >= r.StageSeconds.Sum(s => s.Seconds) - 0.5, $"{r.TotalSeconds} < the stages' sum");
            Assert.Equal($"checked-{r.Name}", r.CheckResult!.Output);
            var machine = r.MachineName!;
            Assert.Equal($"MACHINE_NAME={machine}\n", File.ReadAllText(Path.Combine(sandbox.PodHome(r.PodId!), ".name")));
            Assert.Equal("course\n", File.ReadAllText(Path.Combine(sandbox.PodHome(r.PodId!), "course", "README.md")));
        }
        var summary = run.Output.OfType<ArenaDeploySummary>().Single();
        Assert.Equal(3, summary.Ready.Length);
        Assert.Empty(summary.Failed);
        Assert.Empty(Sent("TerminatePod"));
        Assert.Equal(3, Sent("CreatePod").Count);
    }

    [SkippableFact]
    public void A_slow_pod_does_not_delay_the_others_results()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Count 3 -Force | Out-Null");
        var bravo = Run("(Get-ArenaPod -Name bravo).Id").Output.Cast<string>().Single();
        sandbox.Sshd(bravo, "stop");

        var arrived = new List<(string Name, TimeSpan At)>();
        var clock = Stopwatch.StartNew();
        using var output = new PSDataCollection<PSObject>();
        output.DataAdded += (_, e) =>
        {
            if (output[e.Index].BaseObject is ArenaDeployResult r) lock (arrived) arrived.Add((r.Name, clock.Elapsed));
        };
        using var ps = _host.Prepare(Defaults + "Deploy-ArenaPod -Count 3 -TestCommand true -Force");
        var running = ps.BeginInvoke<PSObject, PSObject>(null, output);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline && Count() < 2 && !running.IsCompleted) Thread.Sleep(100);
        var heldBack = clock.Elapsed;
        var firstTwo = Names();
        // bravo's sshd comes back only now: its result cannot have come before.
        sandbox.Sshd(bravo, "rekey");
        Assert.True(running.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(90)), "Deploy-ArenaPod did not end");
        ps.EndInvoke(running);

        Assert.Equal(new[] { "camp-alpha", "camp-charlie" }, firstTwo.OrderBy(n => n));
        Assert.Equal(new[] { "camp-alpha", "camp-charlie", "camp-bravo" }, Names().Take(2).OrderBy(n => n).Append(Names()[2]));
        var results = output.Select(o => o.BaseObject).OfType<ArenaDeployResult>().ToList();
        Assert.All(results, r => Assert.Equal(ArenaDeployStatus.Ready, r.Status));
        Assert.All(results, r => Assert.True(r.Existing));
        lock (arrived) Assert.True(arrived[2].At > heldBack, "bravo's result came before its sshd answered");
        var slow = results.Single(r => r.Name == "camp-bravo");
        Assert.True(slow.StageSeconds.Single(s => s.Stage == ArenaDeployStage.SshReady).Seconds > results.Where(r => r.Name != "camp-bravo").Max(r => r.TotalSeconds));

        int Count() { lock (arrived) return arrived.Count; }
        List<string> Names() { lock (arrived) return arrived.Select(a => a.Name).ToList(); }
    }

    [SkippableFact]
    public void A_pod_failing_its_check_is_terminated_and_its_name_created_again_on_another_machine()
    {
        _ssh.Require();
        // The check fails the first time it meets alpha, on whatever pod: a bad host stood in for.
        var run = Run("Deploy-ArenaPod -Name alpha, bravo -TestCommand \"if [ `$ARENA_POD_NAME = camp-alpha ] && mkdir $marks/alpha 2>/dev/null; then echo 'matmul wrong'; exit 1; fi\" -Force");

        Assert.Empty(run.Errors);
        var alpha = Results(run).Single(r => r.Name == "camp-alpha");
        Assert.Equal(ArenaDeployStatus.Ready, alpha.Status);
        Assert.Equal(1, alpha.Replacements);
        var given = Assert.Single(alpha.GivenUpMachines);
        Assert.NotEqual(given, alpha.MachineId);
        var terminated = Assert.Single(Sent("TerminatePod"));
        Assert.DoesNotContain(alpha.PodId!, terminated.Path);
        Assert.Equal(3, Sent("CreatePod").Count);
        Assert.Equal(alpha.PodId, Run("(Get-ArenaPod -Name alpha).Id").Output.Cast<string>().Single());
        Assert.Equal(0, Results(run).Single(r => r.Name == "camp-bravo").Replacements);
    }

    [SkippableFact]
    public void The_deep_check_finds_a_bad_host_and_the_name_is_made_again_never_on_that_machine()
    {
        var sandbox = _ssh.Require();
        File.AppendAllText((string)_vars["cfg"]!, $"DEEP_CHECK_URL={sandbox.DownloadUrl}\nDEEP_CHECK_DOWNLOAD_MB=4\n");
        sandbox.Machine("m-bad", "badMatmul");
        sandbox.Machine("m-good");
        // RunPod may well put the second pod on the host that just failed: the sandbox does.
        sandbox.Place("camp-alpha", "m-bad", "m-bad", "m-good");

        var run = Run("Deploy-ArenaPod -Name alpha, bravo -Force");

        Assert.Empty(run.Errors);
        var alpha = Results(run).Single(r => r.Name == "camp-alpha");
        Assert.Equal(ArenaDeployStatus.Ready, alpha.Status);
        Assert.Equal("m-good", alpha.MachineId);
        Assert.Equal(1, alpha.Replacements);
        Assert.Equal(new[] { "m-bad" }, alpha.GivenUpMachines);
        // Its checks are the deep check's, every one passed.
        Assert.Contains(alpha.Checks, c => c.Name == "compute" && c.Verdict == ArenaCheckVerdict.Pass);
        Assert.DoesNotContain(alpha.Checks, c => c.Verdict == ArenaCheckVerdict.Fail);
        // The pod on the failed host, and the one that landed there again, both terminated; three creates.
        Assert.Equal(2, Sent("TerminatePod").Count);
        Assert.Equal(3, Sent("CreatePod").Where(r => r.Body.Contains("camp-alpha", StringComparison.Ordinal)).Count());
        Assert.Equal(ArenaDeployStatus.Ready, Results(run).Single(r => r.Name == "camp-bravo").Status);
        var listed = Run("Get-ArenaPod -Name alpha").Output.OfType<ArenaPod>().Single();
        Assert.Equal(alpha.PodId, listed.Id);
        Assert.Equal(ArenaCheckVerdict.Pass, listed.Health);
    }

    [SkippableFact]
    public void A_name_failing_on_every_machine_stops_at_MaxReplacements_as_a_DeployFailed_error()
    {
        _ssh.Require();

        var run = Run("Deploy-ArenaPod -Name alpha -TestCommand 'echo no GPU here; exit 3' -MaxReplacements 1 -Force -InformationVariable info; $info.MessageData");

        var result = Assert.Single(Results(run));
        Assert.Equal(ArenaDeployStatus.Failed, result.Status);
        Assert.Equal(ArenaDeployStage.Check, result.Stage);
        Assert.Equal(1, result.Replacements);
        Assert.Equal(2, result.GivenUpMachines.Length);
        var error = Assert.Single(run.Errors);
        Assert.StartsWith("DeployFailed", error.FullyQualifiedErrorId);
        Assert.Contains("camp-alpha", error.ToString());
        Assert.Contains("Check", error.ToString());
        Assert.Equal(result.ErrorId, error.Exception.Data["StageErrorId"]);
        Assert.Single(Sent("TerminatePod"));
        Assert.Equal(2, Sent("CreatePod").Count);
        var summary = run.Output.OfType<ArenaDeploySummary>().Single();
        Assert.Equal(new[] { "camp-alpha (Check)" }, summary.Failed);
    }

    [SkippableFact]
    public void Ctrl_C_mid_deploy_terminates_nothing_and_a_rerun_completes()
    {
        var sandbox = _ssh.Require();
        var script = $"$cfg = Import-ArenaConfig '{_vars["cfg"]}' -NoDefault; Deploy-ArenaPod -Count 2 -TestCommand 'sleep 30' -Force -Config $cfg -ApiKey (ConvertTo-SecureString '{Sandbox.ApiKey}' -AsPlainText -Force)";

        // Stopped while the pods are being checked (or before, on a slow machine): either way mid-deploy.
        var (wasRunning, stopTook, state) = PowerShellHost.StopAfter(script, TimeSpan.FromSeconds(8));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline && Run("Get-ArenaPod").Output.OfType<ArenaPod>().Count() < 2) Thread.Sleep(200);
        var stoppedWith = Run("Get-ArenaPod").Output.OfType<ArenaPod>().Select(p => p.Id).OrderBy(i => i).ToList();

        Assert.True(wasRunning);
        Assert.Equal(PSInvocationState.Stopped, state);
        Assert.True(stopTook < TimeSpan.FromSeconds(5), $"stopping took {stopTook}");
        Assert.Empty(Sent("TerminatePod"));
        Assert.Equal(2, stoppedWith.Count);

        var again = Run("Deploy-ArenaPod -Count 2 -TestCommand true -Force");

        Assert.Empty(again.Errors);
        var results = Results(again);
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.Equal(ArenaDeployStatus.Ready, r.Status));
        Assert.All(results, r => Assert.True(r.Existing));
        Assert.Equal(stoppedWith, results.Select(r => r.PodId!).OrderBy(i => i));
        Assert.Empty(Sent("TerminatePod"));
        Assert.Equal(2, Sent("CreatePod").Count);
    }

    [SkippableFact]
    public void An_existing_stopped_pod_is_not_started_but_failed_at_SshReady_while_the_others_go_on()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null; Stop-ArenaPod -Name alpha -AllowDataLoss -Force | Out-Null");

        var run = Run("Deploy-ArenaPod -Count 2 -TestCommand true -Force");

        var results = Results(run).ToDictionary(r => r.Name);
        Assert.Equal(ArenaDeployStatus.Failed, results["camp-alpha"].Status);
        Assert.Equal(ArenaDeployStage.SshReady, results["camp-alpha"].Stage);
        Assert.Equal("PodNotReady", results["camp-alpha"].ErrorId);
        Assert.Contains("stopped", results["camp-alpha"].Error);
        Assert.Equal(ArenaDeployStatus.Ready, results["camp-bravo"].Status);
        Assert.StartsWith("DeployFailed", Assert.Single(run.Errors).FullyQualifiedErrorId);
        Assert.Empty(Sent("ResumePod"));
        Assert.Empty(Sent("TerminatePod"));
    }

    [SkippableFact]
    public void Lock_locks_each_pod_after_its_check_and_a_locked_pod_that_fails_later_is_never_terminated()
    {
        _ssh.Require();

        var first = Assert.Single(Results(Run("Deploy-ArenaPod -Count 1 -TestCommand true -Lock -Force")));
        var again = Run("Deploy-ArenaPod -Count 1 -TestCommand 'exit 1' -Force");

        Assert.Equal(ArenaDeployStatus.Ready, first.Status);
        Assert.True(first.Locked);
        Assert.Equal(new[] { ArenaDeployStage.Check, ArenaDeployStage.Lock }, first.StageSeconds.Skip(3).Select(s => s.Stage));
        Assert.True(Run("(Get-ArenaPod -Name alpha).Locked").Output.Cast<bool?>().Single());
        var failed = Assert.Single(Results(again));
        Assert.Equal(ArenaDeployStatus.Failed, failed.Status);
        Assert.Equal(ArenaDeployStage.Check, failed.Stage);
        Assert.Equal(first.PodId, failed.PodId);
        Assert.Contains("locked", failed.Error);
        Assert.Empty(Sent("TerminatePod"));
        Assert.Single(Sent("CreatePod"));
    }

    [SkippableFact]
    public void In_roster_mode_each_pod_gets_its_participants_keys_before_its_check()
    {
        var sandbox = _ssh.Require();
        File.WriteAllText(Path.Combine(_dir.Path, "roster.csv"), "participant,email,machine\nAda Lovelace,ada@example.org,alpha\nCy Cipher,cy@example.org,bravo\n");
        var roster = new[] { $"ARENA_ROSTER={Path.Combine(_dir.Path, "roster.csv")}", $"ARENA_PARTICIPANT_KEYS={Path.Combine(_dir.Path, "participant-keys")}" };
        _vars["cfg"] = SshCamp.Config(_dir, sandbox, Path.Combine(_dir.Path, "shared"), SshCamp.CourseRepo(Path.Combine(_dir.Path, "origin.git")).Concat(roster), machines: "(alpha bravo)", name: "roster.env");

        var run = Run("New-ArenaParticipantKey | Out-Null; Deploy-ArenaPod -Count 2 -TestCommand true -Force");

        Assert.Empty(run.Errors);
        foreach (var r in Results(run))
        {
            Assert.Equal(ArenaDeployStatus.Ready, r.Status);
            Assert.Equal(new[] { ArenaDeployStage.SetUp, ArenaDeployStage.Access, ArenaDeployStage.Check }, r.StageSeconds.Skip(2).Select(s => s.Stage));
            var keys = File.ReadAllText(Path.Combine(sandbox.PodHome(r.PodId!), ".ssh", "authorized_keys"));
            Assert.Contains(r.Name == "camp-alpha" ? "ada-lovelace" : "cy-cipher", keys);
            Assert.DoesNotContain(r.Name == "camp-alpha" ? "cy-cipher" : "ada-lovelace", keys);
        }
    }

    [SkippableFact]
    public void A_check_that_prints_terminal_escapes_reaches_the_result_and_the_error_filtered()
    {
        _ssh.Require();

        var run = Run("Deploy-ArenaPod -Name alpha -TestCommand \"printf '\\033]0;owned\\007\\033[2Jgone' >&2; exit 1\" -MaxReplacements 0 -Force");

        var result = Assert.Single(Results(run));
        Assert.Equal(ArenaDeployStatus.Failed, result.Status);
        Assert.Contains("gone", result.Error);
        Assert.DoesNotContain('\u001b', result.Error!);
        Assert.DoesNotContain('\u0007', result.Error!);
        var error = Assert.Single(run.Errors);
        var shown = error.ErrorDetails?.Message ?? error.Exception.Message;
        Assert.Contains("gone", shown);
        Assert.DoesNotContain('\u001b', shown);
        Assert.DoesNotContain('\u0007', shown);
    }

    [SkippableFact]
    public void An_empty_pipeline_deploys_nothing()
    {
        _ssh.Require();

        var run = Run("@() | Deploy-ArenaPod -Force");

        Assert.Empty(run.Output);
        Assert.Empty(run.Errors);
        Assert.Empty(_ssh.Sandbox!.Requests());
    }

    [SkippableFact]
    public void A_session_that_cannot_prompt_gets_ConfirmationRequired_and_nothing_is_created()
    {
        _ssh.Require();

        var run = Run("try { Deploy-ArenaPod -Count 2 -TestCommand true } catch { $_ }");

        Assert.Equal("ConfirmationRequired", run.CaughtErrorId);
        Assert.Empty(Sent("CreatePod"));
    }

    [SkippableFact]
    public void WhatIf_creates_nothing()
    {
        _ssh.Require();

        var run = Run("Deploy-ArenaPod -Count 2 -TestCommand true -WhatIf");

        Assert.Empty(run.Output);
        Assert.Empty(run.Errors);
        Assert.Empty(Sent("CreatePod"));
        Assert.Empty(Run("Get-ArenaPod").Output.OfType<ArenaPod>());
    }

    [SkippableFact]
    public void Lock_with_GraphQL_is_refused_before_any_pod_is_made()
    {
        _ssh.Require();
        File.AppendAllText((string)_vars["cfg"]!, "RUNPOD_API=graphql\n");

        var run = Run("try { Deploy-ArenaPod -Count 2 -TestCommand true -Lock -Force } catch { $_ }");

        Assert.Equal("NotSupported", run.CaughtErrorId);
        Assert.Empty(Results(run));
        Assert.Empty(Sent("CreatePod"));
        Assert.DoesNotContain(_ssh.Sandbox!.Requests(), r => r.Body.Contains("podFindAndDeployOnDemand", StringComparison.Ordinal));
    }
}
