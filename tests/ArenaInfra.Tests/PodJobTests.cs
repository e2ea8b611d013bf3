using System.Diagnostics;
using System.Management.Automation;
using System.Security;
using System.Text.RegularExpressions;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Start-, Get-, Receive- and Stop-ArenaPodJob against sshd pods. A pod's processes are this machine's
/// processes, so the tests look at them directly: a job is believed running only when its process is.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[Trait(TestShard.Trait, TestShard.Second)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PodJobTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();
    private readonly List<int> _groups = new();

    public PodJobTests(SshSandbox ssh)
    {
        _ssh = ssh;
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        var key = SshCamp.CopyKey(Path.Combine(_dir.Path, "test_ed25519"));
        var secure = new SecureString();
        foreach (var c in Sandbox.ApiKey) secure.AppendChar(c);
        _vars["key"] = secure;
        _vars["cfg"] = SshCamp.Config(_dir, ssh.Sandbox, key);
    }

    public void Dispose()
    {
        // A job a failed test left running is ended here, by its own process group.
        foreach (var group in _groups) Process.Start("kill", new[] { "-KILL", "--", "-" + group })?.WaitForExit();
        _host.Dispose();
        _dir.Dispose();
    }

    private HostResult Run(string script) =>
        _host.Run("$cfg = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $cfg; '*-Arena*:ApiKey' = $key }\n" + script, _vars);

    private static void NoErrors(HostResult result)
    {
        Assert.Null(result.Terminating);
        Assert.Empty(result.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e));
    }

    private string JobDir(Sandbox sandbox, string pod, string id) => Path.Combine(sandbox.PodHome(PodId(pod)), ".arena-jobs", id);

    private string PodId(string name) => Run($"Get-ArenaPod -Name {name}").Output.OfType<ArenaPod>().Single().Id;

    /// <summary>The job's process group as the wrapper wrote it, remembered for clean-up.</summary>
    private int Group(string dir)
    {
        var pgid = int.Parse(File.ReadAllText(Path.Combine(dir, "pid")).Trim());
        _groups.Add(pgid);
        return pgid;
    }

    /// <summary>The processes of a group, read from /proc.</summary>
    private static List<int> Members(int pgid) => Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsDigit))
        .Where(pid =>
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
                return fields[0] != "Z" && fields[2] == pgid.ToString();
            }
            catch (IOException) { return false; }
        }).Select(p => int.Parse(p!)).ToList();

    private ArenaPodJob WaitForEnd(string id, double seconds = 10)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var job = Run($"Get-ArenaPodJob -JobId {id}").Output.OfType<ArenaPodJob>().Single();
            if (job.State != ArenaPodJobState.Running || clock.Elapsed > TimeSpan.FromSeconds(seconds)) return job;
            Thread.Sleep(200);
        }
    }

    [SkippableFact]
    public void A_job_outlives_its_session_and_reports_its_end_its_code_and_its_output()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Name alpha, bravo -Force | Out-Null");

        var start = Run("Start-ArenaPodJob -Name alpha, bravo -Command 'echo one; echo two; sleep 2; echo three' -Force");
        NoErrors(start);
        var jobs = start.Output.OfType<ArenaPodJob>().OrderBy(j => j.Name).ToList();
        Assert.Equal(new[] { "camp-alpha", "camp-bravo" }, jobs.Select(j => j.Name));
        Assert.All(jobs, j => Assert.Equal(ArenaPodJobState.Running, j.State));
        Assert.All(jobs, j => Assert.Matches(@"^[0-9]{8}T[0-9]{6}-[0-9a-f]{8}$", j.JobId));
        Assert.NotEqual(jobs[0].JobId, jobs[1].JobId);

        // Start-ArenaPodJob has returned and closed its connections: the job's process lives on, in a session of its own.
        var dir = JobDir(sandbox, "alpha", jobs[0].JobId!);
        var pgid = Group(dir);
        Group(JobDir(sandbox, "bravo", jobs[1].JobId!));
        Assert.NotEmpty(Members(pgid));
        var stat = File.ReadAllText($"/proc/{pgid}/stat");
        Assert.Equal(pgid.ToString(), stat.Substring(stat.LastIndexOf(')') + 2).Split(' ')[3]);

        var running = Run("Get-ArenaPodJob -Name alpha");
        NoErrors(running);
        Assert.Equal(ArenaPodJobState.Running, running.Output.OfType<ArenaPodJob>().Single(j => j.JobId == jobs[0].JobId).State);

        // -Follow from the start returns each line once, and returns by itself when the job ends.
        var follow = Run($"Receive-ArenaPodJob -JobId {jobs[0].JobId} -Follow -IntervalSec 0.2");
        NoErrors(follow);
        Assert.Equal(new[] { "one", "two", "three" }, follow.Output.OfType<ArenaPodJobOutput>().Select(l => l.Line));

        var done = WaitForEnd(jobs[1].JobId!);
        Assert.Equal(ArenaPodJobState.Completed, done.State);
        Assert.Equal(0, done.ExitCode);
        Assert.True(done.RunTime >= TimeSpan.FromSeconds(1), $"run time {done.RunTime}");
        Assert.Equal(new[] { "two", "three" }, Run("Get-ArenaPodJob -Name bravo | Receive-ArenaPodJob -Tail 2").Output.OfType<ArenaPodJobOutput>().Select(l => l.Line));

        var failing = Run("Start-ArenaPodJob -Name alpha -Command 'echo broken >&2; exit 7' -Force").Output.OfType<ArenaPodJob>().Single();
        var failed = WaitForEnd(failing.JobId!);
        Assert.Equal(ArenaPodJobState.Failed, failed.State);
        Assert.Equal(7, failed.ExitCode);
        Assert.Equal("broken", Run($"Receive-ArenaPodJob -JobId {failing.JobId}").Output.OfType<ArenaPodJobOutput>().Single().Line);
    }

    [SkippableFact]
    public void Stop_ends_the_whole_group_and_follow_ends_on_ctrl_c()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Name alpha -Force | Out-Null");
        var job = Run("Start-ArenaPodJob -Name alpha -Command 'sleep 30 & echo started; sleep 31; wait' -Force").Output.OfType<ArenaPodJob>().Single();
        var pgid = Group(JobDir(sandbox, "alpha", job.JobId!));
        var clock = Stopwatch.StartNew();
        while (Members(pgid).Count < 4 && clock.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(100);
        // The wrapper, the command's shell, and its two sleeps.
        Assert.True(Members(pgid).Count >= 4, $"group {pgid}: {string.Join(",", Members(pgid))}");

        using (var ps = _host.Prepare($"$c = Import-ArenaConfig '{_vars["cfg"]}' -NoDefault; Receive-ArenaPodJob -Config $c -ApiKey (ConvertTo-SecureString '{Sandbox.ApiKey}' -AsPlainText -Force) -JobId {job.JobId} -Follow -IntervalSec 0.2"))
        {
            var output = new PSDataCollection<PSObject>();
            var running = ps.BeginInvoke<PSObject, PSObject>(null, output);
            var waited = Stopwatch.StartNew();
            while (output.Count == 0 && !running.IsCompleted && waited.Elapsed < TimeSpan.FromSeconds(15)) Thread.Sleep(100);
            Thread.Sleep(500);
            Assert.False(running.IsCompleted, "-Follow ended by itself while the job ran");
            var stopping = Stopwatch.StartNew();
            ps.Stop();
            Assert.True(running.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(5)));
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(3), $"stopping took {stopping.Elapsed}");
            Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
            var errors = Enumerable.Range(0, ps.Streams.Error.Count).Select(i => ps.Streams.Error[i].ToString());
            Assert.True(output.Count == 1, "output: " + string.Join(" | ", errors));
            Assert.Equal("started", ((ArenaPodJobOutput)output[0].BaseObject).Line);
        }

        // A bare pod selection stops nothing; a session that cannot prompt is not taken for a yes.
        Assert.Equal("SelectionRequired", Run("try { Stop-ArenaPodJob -Name alpha } catch { $_ }").CaughtErrorId);
        Assert.Equal("ConfirmationRequired", Run($"try {{ Stop-ArenaPodJob -JobId {job.JobId} }} catch {{ $_ }}").CaughtErrorId);
        Assert.NotEmpty(Members(pgid));

        var stopped = Run($"Start-ArenaPodJob -Name alpha -Command 'sleep 1' -Force | Out-Null; Get-ArenaPodJob -JobId {job.JobId} | Stop-ArenaPodJob -Force -GraceSec 1");
        NoErrors(stopped);
        Assert.Equal(ArenaPodJobState.Stopped, stopped.Output.OfType<ArenaPodJob>().Single().State);
        Assert.Empty(Members(pgid));
        Assert.Equal(ArenaPodJobState.Stopped, Run($"Get-ArenaPodJob -JobId {job.JobId}").Output.OfType<ArenaPodJob>().Single().State);
    }

    [SkippableFact]
    public void Planted_job_folders_are_read_strictly_and_never_followed()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Name alpha -Force | Out-Null");
        var jobs = Path.Combine(sandbox.PodHome(PodId("alpha")), ".arena-jobs");
        var forged = Directory.CreateDirectory(Path.Combine(jobs, "20260101T000000-aaaaaaaa")).FullName;
        File.WriteAllText(Path.Combine(forged, "exit"), "\u001b]52;c;aGk=\u0007 99999999999999999999\n");
        File.WriteAllText(Path.Combine(forged, "started"), "\u001b[2J1700000000");
        File.WriteAllText(Path.Combine(forged, "command.sh"), "rm -rf / \u001b[31m\n");
        var linked = Directory.CreateDirectory(Path.Combine(jobs, "20260101T000000-bbbbbbbb")).FullName;
        File.WriteAllText(Path.Combine(_dir.Path, "secret"), "not for the organiser's screen\n");
        File.CreateSymbolicLink(Path.Combine(linked, "output.log"), Path.Combine(_dir.Path, "secret"));
        File.WriteAllText(Path.Combine(linked, "exit"), "0\n");
        var pwned = Path.Combine(_dir.Path, "pwned");
        Directory.CreateDirectory(Path.Combine(jobs, $"20260101T000000-cccccccc;touch {pwned}"));
        Directory.CreateDirectory(Path.Combine(jobs, "$(touch " + pwned + ")"));

        var listed = Run("Get-ArenaPodJob -Name alpha");
        NoErrors(listed);
        var all = listed.Output.OfType<ArenaPodJob>().ToDictionary(j => j.JobId!);
        Assert.Equal(new[] { "20260101T000000-aaaaaaaa", "20260101T000000-bbbbbbbb" }, all.Keys.OrderBy(k => k));
        var bad = all["20260101T000000-aaaaaaaa"];
        Assert.Equal(ArenaPodJobState.Unknown, bad.State);
        Assert.Null(bad.ExitCode);
        Assert.Null(bad.Started);
        Assert.Equal("PodJobUnreadable", bad.ErrorId);
        Assert.DoesNotContain('\u001b', bad.Error!);
        Assert.DoesNotContain('\u001b', bad.Command!);
        Assert.Equal(ArenaPodJobState.Completed, all["20260101T000000-bbbbbbbb"].State);
        Assert.False(File.Exists(pwned));

        var read = Run("Receive-ArenaPodJob -JobId 20260101T000000-bbbbbbbb");
        Assert.Empty(read.Output.OfType<ArenaPodJobOutput>());
        var error = Assert.Single(read.Errors);
        Assert.Equal("PodJobUnreadable", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.StartsWith("camp-alpha:", error.ToString());

        var unknown = Run("Get-ArenaPodJob -JobId 20260101T000000-dddddddd");
        Assert.Empty(unknown.Output.OfType<ArenaPodJob>());
        Assert.Equal("PodJobNotFound", Assert.Single(unknown.Errors).FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal("20260101T000000-dddddddd", unknown.Errors[0].TargetObject);
        Assert.Equal("PodJobNotFound", Run($"try {{ Get-ArenaPodJob -JobId '20260101T000000-cccccccc;touch {pwned}' }} catch {{ $_ }}").CaughtErrorId);
        Assert.False(File.Exists(pwned));
    }

    [SkippableFact]
    public void An_empty_pipeline_starts_and_stops_nothing_and_a_start_that_cannot_ask_is_refused()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Name alpha -Force | Out-Null");
        var empty = Run("@() | Start-ArenaPodJob -Command 'touch started' -Force; @() | Stop-ArenaPodJob -Force; @() | Get-ArenaPodJob; @() | Receive-ArenaPodJob");
        NoErrors(empty);
        Assert.Empty(empty.Output);
        Assert.Equal("ConfirmationRequired", Run("try { Start-ArenaPodJob -Name alpha -Command 'touch started' } catch { $_ }").CaughtErrorId);
        Assert.False(Directory.Exists(Path.Combine(sandbox.PodHome(PodId("alpha")), ".arena-jobs")));
    }
}
