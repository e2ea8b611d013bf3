using System.Security;
using ArenaInfra.Config;
using ArenaInfra.Teardown;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>New-, Get-, Reset- and Remove-ArenaLlmKey against the OpenRouter double, with the keys put on sshd pods.</summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
[Trait(TestShard.Trait, TestShard.Second)]
public sealed class LlmKeyCommandTests : IClassFixture<SshSandbox>, IDisposable
{
    private readonly SshSandbox _ssh;
    private readonly OpenRouterDouble _openRouter = new();
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, object?> _vars = new();

    public LlmKeyCommandTests(SshSandbox ssh)
    {
        _ssh = ssh;
        if (ssh.SkipReason != null) return;
        ssh.Sandbox!.Reset();
        var key = SshCamp.CopyKey(Path.Combine(_dir.Path, "shared"));
        _vars["key"] = Secure(Sandbox.ApiKey);
        _vars["cfg"] = SshCamp.Config(_dir, ssh.Sandbox, key, new[] { $"OPENROUTER_API_URL={_openRouter.Url}", "RUNPOD_API_RETRY_MAX_SEC=2" });
        _vars["prov"] = Secure(OpenRouterDouble.ProvisioningKey);
        // Stored as an organiser would, through the command's own surface (no session defaults here: Set-ArenaApiKey's -ApiKey is the key to store).
        var stored = _host.Run("Set-ArenaApiKey -Service OpenRouter -ApiKey $prov", _vars);
        Assert.Empty(stored.Errors);
    }

    public void Dispose()
    {
        StoredApiKey.Clear(ApiKeyService.OpenRouter);
        _host.Dispose();
        _openRouter.Dispose();
        _dir.Dispose();
    }

    private static SecureString Secure(string text)
    {
        var s = new SecureString();
        foreach (var c in text) s.AppendChar(c);
        return s;
    }

    private HostResult Run(string script) =>
        _host.Run("$config = Import-ArenaConfig $cfg -NoDefault\n$PSDefaultParameterValues = @{ '*-Arena*:Config' = $config; '*-Arena*:ApiKey' = $key }\n" +
                  $"try {{ {script} }} catch {{ $_ }}", _vars);

    private string PodId(string name) => Run($"(Get-ArenaPod -Name {name}).Id").Output.Cast<string>().Single();
    private string Home(string name) => _ssh.Sandbox!.PodHome(PodId(name));
    private string Secret(string name) => _openRouter.Keys().Single(k => k.Name == name).Secret;

    private string Bashrc(string machine)
    {
        var file = Path.Combine(Home(machine), ".bashrc");
        return File.Exists(file) ? File.ReadAllText(file) : "";
    }

    /// <summary>Everything a command wrote, in any stream, as text: each output object's properties too.</summary>
    private static string AllText(HostResult result) => string.Join("\n",
        result.Output.Select(o => o == null ? "" : string.Join(" ", o.GetType().GetProperties().Select(p => p.GetValue(o)?.ToString())) + " " + o)
            .Concat(result.Errors.Select(e => e + " " + e.ErrorDetails?.RecommendedAction + " " + e.TargetObject))
            .Concat(result.Verbose).Concat(result.Debug).Concat(result.Warnings));

    [SkippableFact]
    public void New_makes_each_machine_a_key_with_its_limit_puts_it_on_the_pod_and_leaves_it_alone_the_second_time_never_showing_it()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null");
        _openRouter.Seed("someone-elses-key");
        _openRouter.PageSize = 1;
        _openRouter.Throttle(1, seconds: 1);

        var first = Run("New-ArenaLlmKey -Name * -LimitUsd 2.5 -Force -Verbose");
        var second = Run("New-ArenaLlmKey -Name alpha, bravo -Force -Verbose");
        var listed = Run("Get-ArenaLlmKey -Verbose");

        var made = first.Output.OfType<ArenaLlmKeyResult>().ToList();
        Assert.Equal(new[] { "camp-alpha", "camp-bravo" }, made.Select(r => r.Name));
        Assert.All(made, r => Assert.True(r.Succeeded && r.Action == ArenaLlmKeyAction.Created && r.Variable == "OPENROUTER_API_KEY", r.ToString()));
        Assert.Equal(429, _openRouter.Requests().First().Status);
        Assert.Contains(first.Verbose, v => v.Contains("HTTP 429; retrying"));
        Assert.All(_openRouter.Keys().Where(k => k.Name.StartsWith("camp-", StringComparison.Ordinal)), k => Assert.Equal(2.5m, k.Limit));
        Assert.Contains($"export OPENROUTER_API_KEY='{Secret("camp-alpha")}'", Bashrc("alpha"));
        Assert.Contains($"export OPENROUTER_API_KEY='{Secret("camp-bravo")}'", Bashrc("bravo"));
        Assert.All(second.Output.OfType<ArenaLlmKeyResult>(), r => Assert.Equal(ArenaLlmKeyAction.AlreadyPresent, r.Action));
        Assert.Contains(second.Verbose, v => v.Contains("camp-alpha: already has its key"));
        Assert.Equal(2, _openRouter.Requests().Count(r => r.Method == "POST"));
        var keys = listed.Output.OfType<ArenaLlmKey>().ToList();
        Assert.Equal(new[] { "alpha", "bravo" }, keys.Select(k => k.MachineName));
        Assert.All(keys, k => Assert.Equal(2.5m, k.LimitUsd));

        // The key string: in no stream, no file of the data folder, no request RunPod saw, no file of the pod's but the two it belongs in.
        var secrets = _openRouter.Keys().Where(k => k.Name.StartsWith("camp-", StringComparison.Ordinal)).Select(k => k.Secret).ToList();
        Assert.Equal(2, secrets.Count);
        var streams = string.Join("\n", new[] { first, second, listed }.Select(AllText));
        var dataFiles = Directory.GetFiles(_ssh.DataDir!.Path, "*", SearchOption.AllDirectories).Select(f => File.ReadAllText(f));
        var runPod = sandbox.Requests().Select(r => r.Path + r.QueryString + r.Body);
        var podFiles = new[] { "alpha", "bravo" }.SelectMany(m => Directory.GetFiles(Home(m), "*", SearchOption.AllDirectories))
            .Where(f => Path.GetFileName(f) is not (".bashrc" or ".zshrc")).Select(f => File.ReadAllText(f));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, streams);
            Assert.DoesNotContain(dataFiles.Concat(runPod).Concat(podFiles), text => text.Contains(secret));
            Assert.DoesNotContain(secret[^16..], streams);
        }
        Assert.DoesNotContain(OpenRouterDouble.ProvisioningKey, streams);
    }

    [SkippableFact]
    public void Reset_revokes_the_old_key_and_puts_a_new_one_on_the_pod_and_Remove_revokes_both_only_when_confirmed()
    {
        _ssh.Require();
        Run("New-ArenaPod -Count 2 -Force | Out-Null; New-ArenaLlmKey -Name * -Force | Out-Null");
        var oldHash = _openRouter.Keys().Single(k => k.Name == "camp-alpha").Hash;
        var oldSecret = Secret("camp-alpha");

        var unconfirmedReset = Run("Reset-ArenaLlmKey -Name alpha");
        var unconfirmedRemove = Run("Remove-ArenaLlmKey -Name alpha");
        var nothingPiped = Run("@() | Reset-ArenaLlmKey -Force; @() | Remove-ArenaLlmKey -Force; @() | New-ArenaLlmKey -Force");
        var fleetByDefault = Run("Remove-ArenaLlmKey -Force");
        var nobody = Run("Remove-ArenaLlmKey -Name nobody -Force");
        Assert.Equal("ConfirmationRequired", unconfirmedReset.CaughtErrorId);
        Assert.Equal("ConfirmationRequired", unconfirmedRemove.CaughtErrorId);
        Assert.Empty(nothingPiped.Output);
        Assert.Empty(nothingPiped.Errors);
        Assert.Equal("SelectionRequired", fleetByDefault.CaughtErrorId);
        Assert.StartsWith("LlmKeyNotFound", Assert.Single(nobody.Errors).FullyQualifiedErrorId);
        Assert.Equal(2, _openRouter.Keys().Count);

        var reset = Run("Reset-ArenaLlmKey -Name alpha -Force").Output.OfType<ArenaLlmKeyResult>().Single();

        Assert.True(reset.Succeeded, reset.ToString());
        Assert.Equal(ArenaLlmKeyAction.Rotated, reset.Action);
        Assert.Equal(oldHash, reset.RevokedHash);
        Assert.DoesNotContain(_openRouter.Keys(), k => k.Hash == oldHash);
        Assert.Contains($"export OPENROUTER_API_KEY='{Secret("camp-alpha")}'", Bashrc("alpha"));
        Assert.DoesNotContain(oldSecret, Bashrc("alpha"));

        var removed = Run("Get-ArenaLlmKey | Remove-ArenaLlmKey -Force").Output.OfType<ArenaLlmKeyResult>().ToList();

        Assert.Equal(new[] { ArenaLlmKeyAction.Removed, ArenaLlmKeyAction.Removed }, removed.Select(r => r.Action));
        Assert.Empty(_openRouter.Keys());
        Assert.True(_openRouter.Requests().Count(r => r.Method == "GET" && r.Path.StartsWith("/api/v1/keys/", StringComparison.Ordinal) && r.Status == 404) >= 3, "each revocation was not checked");
    }

    [SkippableFact]
    public void A_key_that_cannot_be_put_on_its_pod_is_revoked_and_a_hostile_name_stays_text()
    {
        var sandbox = _ssh.Require();
        Run("New-ArenaPod -Count 1 -Force | Out-Null");
        sandbox.Sshd(PodId("alpha"), "stop");
        _openRouter.Seed("camp-evil\u001b[31m\u0007");

        var result = Run("New-ArenaLlmKey -Name alpha -Force -ConnectTimeoutSec 2");
        var listed = Run("Get-ArenaLlmKey").Output.OfType<ArenaLlmKey>().Single();

        var failed = result.Output.OfType<ArenaLlmKeyResult>().Single();
        Assert.Equal(ArenaLlmKeyAction.Failed, failed.Action);
        Assert.Equal("LlmKeyNotPlaced", failed.ErrorId);
        Assert.Contains("revoked", failed.Error);
        Assert.Equal(new[] { "camp-evil\u001b[31m\u0007" }, _openRouter.Keys().Select(k => k.Name));
        Assert.Empty(result.Errors);
        Assert.True(TerminalText.IsSafe(listed.Name), listed.Name);
        Assert.Equal("camp-evil\u001b[31m\u0007", listed.NameRaw);
        var removed = Run("Get-ArenaLlmKey | Remove-ArenaLlmKey -Force").Output.OfType<ArenaLlmKeyResult>().Single();
        Assert.Equal(ArenaLlmKeyAction.Removed, removed.Action);
        Assert.True(TerminalText.IsSafe(removed.Name) && TerminalText.IsSafe(removed.ToString()), removed.Name);
    }

    [SkippableFact]
    public async Task The_teardown_audit_lists_each_live_key_with_its_revocation_and_says_what_it_cannot_tell()
    {
        _ssh.Require();
        var hash = _openRouter.Seed("camp-alpha", limit: 5m, usage: 1.25m);
        _openRouter.Seed("not-ours");
        var config = Run("$config").Output.OfType<ArenaConfig>().Single();
        var log = new RecordingLog();

        var live = await LlmKeyLeftovers.CheckAsync(config, log, CancellationToken.None);
        _openRouter.Dispose();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var unanswered = await LlmKeyLeftovers.CheckAsync(config, log, CancellationToken.None);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"an unanswering OpenRouter took {clock.Elapsed.TotalSeconds:0.0} s");
        StoredApiKey.Clear(ApiKeyService.OpenRouter);
        var none = await LlmKeyLeftovers.CheckAsync(config, log, CancellationToken.None);
        var noKey = Run("Get-ArenaLlmKey");

        var left = Assert.Single(live);
        Assert.Equal((ArenaTeardownKind.LlmKey, ArenaTeardownState.Left, "camp-alpha"), (left.Kind, left.State, left.Item));
        Assert.Equal($"Remove-ArenaLlmKey -Hash {hash} -Force", left.Fix);
        Assert.Contains("1.25", left.Detail);
        Assert.Equal(ArenaTeardownState.Unknown, Assert.Single(unanswered).State);
        Assert.Equal(ArenaTeardownState.Clear, Assert.Single(none).State);
        Assert.Equal("LlmProvisioningKeyMissing", noKey.CaughtErrorId);
        Assert.Contains("Set-ArenaApiKey -Service OpenRouter", noKey.Caught.ErrorDetails.RecommendedAction);
    }
}
