using ArenaInfra.Config;
using ArenaInfra.Llm;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>The OpenRouter key client against the local double of the published key API: paging, 429s, refusals, hostile answers.</summary>
public sealed class OpenRouterKeyApiTests : IDisposable
{
    private readonly OpenRouterDouble _double = new();
    private readonly RecordingLog _log = new();

    public void Dispose() => _double.Dispose();

    private OpenRouterKeyApi Api(string key = OpenRouterDouble.ProvisioningKey, int retryBudgetSec = 5) =>
        new(new LlmKeyOptions(new Uri(_double.Url + "/"), key, "ArenaInfra-tests")
        {
            RequestTimeout = TimeSpan.FromSeconds(5),
            RetryBudget = TimeSpan.FromSeconds(retryBudgetSec),
            RetryBaseDelay = TimeSpan.FromMilliseconds(50),
            Log = _log,
        });

    [Fact]
    public async Task The_list_reads_every_page_by_offset_disabled_keys_included()
    {
        _double.PageSize = 2;
        for (var i = 0; i < 5; i++) _double.Seed($"camp-m{i}", disabled: i == 3);

        var keys = await Api().ListKeysAsync(CancellationToken.None);

        Assert.Equal(new[] { "camp-m0", "camp-m1", "camp-m2", "camp-m3", "camp-m4" }, keys.Select(k => k.Name));
        Assert.True(keys.Single(k => k.Name == "camp-m3").Disabled);
        var lists = _double.Requests().Where(r => r.Method == "GET").Select(r => r.Query).ToList();
        Assert.Equal(new[] { "?include_disabled=true&offset=0", "?include_disabled=true&offset=2", "?include_disabled=true&offset=4", "?include_disabled=true&offset=5" }, lists);
    }

    [Fact]
    public async Task A_create_asks_for_the_limit_and_only_the_documented_fields_and_sends_the_key_only_in_the_header()
    {
        var made = await Api().CreateKeyAsync("camp-alpha", 7.5m, CancellationToken.None);

        var create = _double.Requests().Single(r => r.Method == "POST");
        Assert.Equal("{\"name\":\"camp-alpha\",\"limit\":7.5}", create.Body);
        Assert.Equal("Bearer " + OpenRouterDouble.ProvisioningKey, create.Authorization);
        Assert.Equal(7.5m, _double.Keys().Single().Limit);
        Assert.Equal(_double.Keys().Single().Secret, made.Secret);
        Assert.DoesNotContain(made.Secret, made.ToString());
        Assert.All(_double.Requests(), r => Assert.DoesNotContain(OpenRouterDouble.ProvisioningKey, r.Path + r.Query + r.Body));
        Assert.DoesNotContain(_log.Lines, l => l.Contains(OpenRouterDouble.ProvisioningKey) || l.Contains(made.Secret));
    }

    [Fact]
    public async Task A_429_is_retried_after_the_wait_it_asks_for()
    {
        _double.Throttle(1, seconds: 1);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var made = await Api().CreateKeyAsync("camp-alpha", 5m, CancellationToken.None);

        Assert.Equal("camp-alpha", made.Record.Name);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"retried after {clock.Elapsed.TotalSeconds:0.00} s, not the second Retry-After asked");
        Assert.Equal(new[] { 429, 201 }, _double.Requests().Select(r => r.Status));
        Assert.Contains(_log.Lines, l => l.Contains("HTTP 429; retrying"));
    }

    [Fact]
    public async Task A_429_past_the_retry_budget_fails_with_LlmApiError_and_no_second_key()
    {
        _double.Throttle(10, seconds: 30);

        var error = await Assert.ThrowsAsync<ArenaException>(() => Api(retryBudgetSec: 1).CreateKeyAsync("camp-alpha", 5m, CancellationToken.None));

        Assert.Equal(ArenaErrorIds.LlmApiError, error.ErrorId);
        Assert.Contains("HTTP 429", error.Message);
        Assert.Single(_double.Requests());
        Assert.Empty(_double.Keys());
    }

    [Fact]
    public async Task A_wrong_provisioning_key_is_LlmApiError_and_the_key_is_not_in_the_message()
    {
        const string wrong = "sk-or-prov-wrong-key-123456";

        var error = await Assert.ThrowsAsync<ArenaException>(() => Api(wrong).ListKeysAsync(CancellationToken.None));

        Assert.Equal(ArenaErrorIds.LlmApiError, error.ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.AuthenticationError, error.Category);
        Assert.DoesNotContain(wrong, error.Message + error.RecommendedAction);
    }

    [Fact]
    public async Task Delete_then_get_sees_the_key_gone_and_a_second_revoke_says_it_was_already_gone()
    {
        var hash = _double.Seed("camp-alpha");
        var api = Api();

        Assert.True(await LlmKeyWork.RevokeAsync(api, hash, "camp-alpha", _log, CancellationToken.None));
        Assert.False(await LlmKeyWork.RevokeAsync(api, hash, "camp-alpha", _log, CancellationToken.None));
        Assert.Empty(_double.Keys());
    }

    [Fact]
    public async Task A_delete_the_service_says_it_did_but_that_a_read_still_finds_is_LlmKeyRevokeUnverified()
    {
        var hash = _double.Seed("camp-alpha");
        _double.DeletesIgnored = true;

        var error = await Assert.ThrowsAsync<ArenaException>(() => LlmKeyWork.RevokeAsync(Api(), hash, "camp-alpha", _log, CancellationToken.None));

        Assert.Equal(ArenaErrorIds.LlmKeyRevokeUnverified, error.ErrorId);
        Assert.Contains($"Remove-ArenaLlmKey -Hash {hash}", error.RecommendedAction);
    }

    [Fact]
    public async Task A_service_that_does_not_answer_is_LlmApiUnreachable_within_the_budget()
    {
        _double.Dispose();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ArenaException>(() => Api(retryBudgetSec: 1).ListKeysAsync(CancellationToken.None));

        Assert.Equal(ArenaErrorIds.LlmApiUnreachable, error.ErrorId);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"{clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task A_hostile_name_is_kept_as_sent_but_shown_terminal_safe_and_only_program_keys_count()
    {
        _double.Seed("camp-\u001b]0;pwned\u0007evil\nline");
        _double.Seed("someone-elses-key");

        var keys = LlmKeyWork.ProgramKeys(await Api().ListKeysAsync(CancellationToken.None), new FleetNaming("camp"));
        var shown = LlmKeyWork.ToPublic(keys.Single(), new FleetNaming("camp"));

        Assert.Equal("camp-\u001b]0;pwned\u0007evil\nline", shown.NameRaw);
        Assert.True(TerminalText.IsSafe(shown.Name) && !shown.Name.Contains('\n'), shown.Name);
        Assert.True(TerminalText.IsSafe(shown.MachineName));
    }

    [Theory]
    [InlineData("{\"data\":[{\"hash\":\"../../etc\",\"name\":\"camp-a\"}]}")]
    [InlineData("{\"data\":[{\"hash\":\"abc\",\"name\":\"camp-a\",\"usage\":\"lots\"}]}")]
    [InlineData("{\"data\":[{\"hash\":\"abc\",\"name\":\"camp-a\",\"limit\":1e300}]}")]
    public void An_answer_that_is_not_a_key_list_is_InvalidResponse(string body)
    {
        var error = Assert.Throws<ArenaException>(() =>
        {
            var root = Newtonsoft.Json.Linq.JObject.Parse(body);
            if (root["data"] is not Newtonsoft.Json.Linq.JArray list) throw new ArenaException(ArenaErrorIds.InvalidResponse, System.Management.Automation.ErrorCategory.InvalidResult, "no list");
            foreach (var item in list) OpenRouterKeyApi.Record(item, "ListKeys");
        });
        Assert.Equal(ArenaErrorIds.InvalidResponse, error.ErrorId);
    }
}
