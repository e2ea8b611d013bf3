using System.Management.Automation;
using System.Security;
using System.Text.Json;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Pods;
using ArenaInfra.Pods.Create;
using ArenaInfra.RunPod;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// New-ArenaPod's batch below the cmdlet: it hands each pod over as it is made and comes back with what it
/// created, skipped and failed; stopped part way, it says which pods exist and which may still appear.
/// </summary>
[Collection(DataFolderCollection.Name)]
[Trait("Category", "Sandbox")]
public sealed class PodCreationBatchTests : IClassFixture<Sandbox>, IDisposable
{
    private readonly Sandbox _sandbox;
    private readonly TempDir _dir = new();
    private readonly ArenaConfig _config;
    private readonly RecordingHost _host = new();

    public PodCreationBatchTests(Sandbox sandbox)
    {
        _sandbox = sandbox;
        _sandbox.Reset();
        var key = Path.Combine(_dir.Path, "shared_key");
        File.Copy(RepoPaths.Fixture("keys/test_ed25519"), key);
        File.Copy(RepoPaths.Fixture("keys/test_ed25519.pub"), key + ".pub");
        var file = ConfigLoader.LoadFile(_dir.Write("config.env", string.Join("\n",
            $"RUNPOD_API_BASE_URL={_sandbox.Url}",
            $"SHARED_SSH_KEY_PATH={key}",
            "MACHINE_NAME_PREFIX=camp",
            "MACHINE_NAME_LIST=(alpha bravo charlie delta)",
            "RUNPOD_API_MAX_RPS=0",
            "")), ArenaConfigOrigin.File, new List<string>());
        var apiKey = new SecureString();
        foreach (var c in Sandbox.ApiKey) apiKey.AppendChar(c);
        _config = new ConfigResolver(new NoEnvironment(), null).Resolve(file, null, apiKey, new List<string>());
    }

    public void Dispose() => _dir.Dispose();

    private PodCreationBatch Batch() => new(RunPodApiFactory.Create(_config, "ArenaInfra/0.0.0-test (tests; PowerShell none)", NullArenaLog.Instance),
        _config, new CreateJournal(Path.Combine(_dir.Path, "pending-creates.json")), _host);

    private void Seed(string name) => _sandbox.SeedPod(JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["name"] = name, ["desiredStatus"] = "RUNNING", ["gpuCount"] = 1, ["costPerHr"] = 0.25, ["machine"] = new { gpuDisplayName = "RTX A4000" },
    }));

    [Fact]
    public void It_hands_each_pod_over_as_it_is_made_and_returns_what_it_created_and_skipped()
    {
        Seed("camp-alpha");
        var handed = new List<string>();

        var outcome = Batch().Create(new PodCreationRequest { Count = 3 }, 2, pod => handed.Add(pod.Name));

        Assert.NotNull(outcome);
        Assert.Equal(new[] { "camp-bravo", "camp-charlie" }, outcome.Created.Select(p => p.Name).OrderBy(n => n));
        Assert.Equal(outcome.Created.Select(p => p.Name), handed);
        Assert.Empty(outcome.Failed);
        Assert.False(outcome.AnyFailed);
        Assert.Equal(3, outcome.Summary.Requested);
        Assert.Equal(new[] { "camp-alpha" }, outcome.Summary.Skipped);
        Assert.Equal(new[] { "camp-bravo", "camp-charlie" }, outcome.Summary.Created);
        Assert.Contains("warning: camp-alpha exists already; it is not created again.", _host.Said);
        Assert.Single(_host.Said, s => s.StartsWith("confirm: Create 2 pods", StringComparison.Ordinal));
    }

    [Fact]
    public void A_pod_that_fails_is_reported_with_its_name_and_counts_as_failed()
    {
        _sandbox.AddFault(new { kind = "balance", count = 100 });

        var outcome = Batch().Create(new PodCreationRequest { Count = 2 }, 1, _ => { });

        Assert.NotNull(outcome);
        Assert.Empty(outcome.Created);
        Assert.Equal(new[] { "camp-alpha", "camp-bravo" }, outcome.Failed.OrderBy(n => n));
        Assert.True(outcome.AnyFailed);
        Assert.Equal(new[] { "camp-alpha", "camp-bravo" }, outcome.Summary.Failed);
        Assert.Equal(2, _host.Said.Count(s => s.StartsWith("error camp-", StringComparison.Ordinal) && s.Contains("InsufficientBalance")));
    }

    [Fact]
    public void Not_confirmed_it_creates_nothing_and_has_nothing_to_say_when_stopped()
    {
        _host.Confirms = false;
        var batch = Batch();

        Assert.Null(batch.Create(new PodCreationRequest { Count = 2 }, 2, _ => throw new InvalidOperationException("nothing is made")));
        Assert.Null(batch.Stopped());
        Assert.DoesNotContain(_sandbox.Requests(), r => r.OperationName == "CreatePod");
    }

    [Fact]
    public void Stopped_part_way_it_says_which_pods_exist_and_which_may_still_appear()
    {
        _host.StopAfter = 1;
        var batch = Batch();

        Assert.Throws<PipelineStoppedException>(() => batch.Create(new PodCreationRequest { Count = 3 }, 1, _ => { }));

        var said = batch.Stopped();
        Assert.NotNull(said);
        Assert.StartsWith("New-ArenaPod was stopped. Created: camp-alpha. Sent, answer not awaited, so they may still appear: camp-bravo, camp-charlie.", said);
    }

    private sealed class NoEnvironment : IEnvironmentReader
    {
        public string? Get(string name) => null;
    }

    /// <summary>A command's side of the batch, one item at a time, writing down what the batch says.</summary>
    private sealed class RecordingHost : IBatchHost
    {
        public List<string> Said { get; } = new();
        public bool Confirms { get; set; } = true;
        /// <summary>Stops the batch (as Ctrl+C does) after this many items.</summary>
        public int StopAfter { get; set; } = int.MaxValue;

        public IArenaLog Log => NullArenaLog.Instance;

        public T Run<T>(Func<CancellationToken, Task<T>> work) => work(CancellationToken.None).GetAwaiter().GetResult();

        public void RunEach<TItem, TResult>(IReadOnlyList<TItem> items, int throttle, string activity,
            Func<TItem, CancellationToken, Task<TResult>> work, Action<TItem, TResult> onResult, Action<TItem, ArenaException> onError)
        {
            var done = 0;
            foreach (var item in items)
            {
                if (done++ == StopAfter) throw new PipelineStoppedException();
                try
                {
                    onResult(item, work(item, CancellationToken.None).GetAwaiter().GetResult());
                }
                catch (ArenaException e)
                {
                    onError(item, e);
                }
            }
        }

        public bool Confirm(string action, string question, string caption)
        {
            Said.Add("confirm: " + action);
            return Confirms;
        }

        public void Verbose(string message) => Said.Add("verbose: " + message);
        public void Warning(string message) => Said.Add("warning: " + message);
        public void PodError(ArenaException error, string podName, object? target) => Said.Add($"error {podName} {error.ErrorId}: {error.Message}");
        public void Error(ArenaException error, object? target) => Said.Add($"error {error.ErrorId}: {error.Message}");
    }
}
