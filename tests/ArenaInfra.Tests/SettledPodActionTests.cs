using ArenaInfra.Pods.Create;
using ArenaInfra.RunPod;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// What an action's answer means, decided once above both backends (SettledPodActions), and what a
/// create's lost answer means (PodCreator): each case on the in-memory RunPod, no HTTP involved.
/// </summary>
public sealed class SettledPodActionTests : IDisposable
{
    private readonly InMemoryRunPodApi _runPod = new();

    public void Dispose() => _runPod.Dispose();

    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private static void Wait(Task task) => task.GetAwaiter().GetResult();

    private static ArenaException Fails(Func<Task> call) => Assert.ThrowsAsync<ArenaException>(call).GetAwaiter().GetResult();

    private static PodCreateSpec Spec(string name = "camp-alpha", string gpu = "NVIDIA RTX A4000") => new()
    {
        Name = name, MachineName = name.Replace("camp-", ""), ImageName = "img:1", GpuTypeId = gpu, GpuCount = 1,
        CloudType = "SECURE", ContainerDiskInGb = 20, PublicKey = "ssh-ed25519 AAAA test",
    };

    [Fact]
    public void A_stop_whose_answer_is_lost_but_happened_is_done_and_not_sent_again()
    {
        var id = _runPod.Seed("camp-alpha");
        _runPod.LoseAnswer("StopPod", happened: true);

        Wait(_runPod.StopPodAsync(id, CancellationToken.None));

        Assert.Equal("EXITED", _runPod.StatusOf(id));
        Assert.Equal(1, _runPod.CallsOf("StopPod"));
        Assert.Contains(_runPod.Log.Lines, l => l == $"VERBOSE: StopPod {id}: the answer was lost (ApiUnreachable), but the pod shows it happened.");
    }

    [Fact]
    public void A_start_whose_answer_is_lost_and_did_not_happen_is_sent_again()
    {
        var id = _runPod.Seed("camp-alpha", "EXITED");
        _runPod.LoseAnswer("ResumePod", happened: false);

        var pod = Wait(_runPod.StartPodAsync(id, 1, CancellationToken.None));

        Assert.Equal(ArenaPodStatus.Running, pod.Status);
        Assert.Equal(2, _runPod.CallsOf("ResumePod"));
        Assert.Contains(_runPod.Log.Lines, l => l.Contains($"ResumePod {id}: the answer was lost (ApiUnreachable) and the pod is unchanged; sending it again (attempt 2 of 3)."));
    }

    [Fact]
    public void An_action_whose_answer_is_lost_every_time_is_sent_ActionAttempts_times_then_fails_as_lost()
    {
        var id = _runPod.Seed("camp-alpha");
        _runPod.Settled.ActionAttempts = 4;
        _runPod.LoseAnswer("StopPod", happened: false, count: 10);

        var error = Fails(() => _runPod.StopPodAsync(id, CancellationToken.None));

        Assert.Equal(ArenaErrorIds.ApiUnreachable, error.ErrorId);
        Assert.Equal(4, _runPod.CallsOf("StopPod"));
        Assert.Equal("RUNNING", _runPod.StatusOf(id));
    }

    [Fact]
    public void A_terminate_whose_answer_is_lost_is_done_once_the_pod_is_gone()
    {
        var id = _runPod.Seed("camp-alpha", "EXITED");
        _runPod.LoseAnswer("TerminatePod", happened: true);

        Wait(_runPod.TerminatePodAsync(id, CancellationToken.None));

        Assert.Null(_runPod.StatusOf(id));
        Assert.Equal(1, _runPod.CallsOf("TerminatePod"));
    }

    [Fact]
    public void An_error_answered_with_a_2xx_is_not_done_and_says_what_RunPod_said()
    {
        var id = _runPod.Seed("camp-alpha");
        _runPod.Refuse("StopPod", () => RunPodErrors.ErrorIn2xx("StopPod", 200, "Pod is locked"));

        var error = Fails(() => _runPod.StopPodAsync(id, CancellationToken.None));

        Assert.Equal(ArenaErrorIds.PodOperationFailed, error.ErrorId);
        Assert.StartsWith("camp-alpha: RunPod answered the stop with HTTP 200, but the pod is RUNNING", error.Message);
        Assert.Contains("Pod is locked", error.Message);
        Assert.Equal(1, _runPod.CallsOf("StopPod"));
    }

    [Fact]
    public void A_2xx_error_that_is_not_a_plain_error_keeps_its_own_id()
    {
        var id = _runPod.Seed("camp-alpha", "EXITED");
        _runPod.Refuse("ResumePod", () => RunPodErrors.ErrorIn2xx("ResumePod", 200, "There are not enough free GPUs on the host machine to start this pod."));

        var error = Fails(() => _runPod.StartPodAsync(id, 1, CancellationToken.None));

        Assert.Equal(ArenaErrorIds.PodStuckOnHost, error.ErrorId);
        Assert.Equal("EXITED", _runPod.StatusOf(id));
    }

    [Fact]
    public void An_action_RunPod_refuses_with_409_is_done_when_the_pod_is_already_there()
    {
        var id = _runPod.Seed("camp-alpha");

        var pod = Wait(_runPod.StartPodAsync(id, 1, CancellationToken.None));

        Assert.Equal(ArenaPodStatus.Running, pod.Status);
        Assert.Equal(new[] { ("ResumePod", id), ("GetPod", id) }, _runPod.Calls.ToArray());
    }

    [Fact]
    public void A_start_of_a_pod_RunPod_does_not_have_is_PodNotFound()
    {
        var error = Fails(() => _runPod.StartPodAsync("mem9999", 1, CancellationToken.None));

        Assert.Equal(ArenaErrorIds.PodNotFound, error.ErrorId);
        Assert.Equal(1, _runPod.CallsOf("ResumePod"));
    }

    [Theory]
    [InlineData("stop", "RUNNING", false)]
    [InlineData("stop", "EXITED", true)]
    [InlineData("stop", "TERMINATED", true)]
    [InlineData("stop", null, true)]
    [InlineData("start", "RUNNING", true)]
    [InlineData("start", "EXITED", false)]
    [InlineData("start", "TERMINATED", false)]
    [InlineData("start", null, false)]
    [InlineData("terminate", "RUNNING", false)]
    [InlineData("terminate", "EXITED", false)]
    [InlineData("terminate", "TERMINATED", true)]
    [InlineData("terminate", null, true)]
    public void An_action_is_done_only_in_the_state_it_leads_to(string action, string? status, bool done)
    {
        var pod = status == null ? null : new ArenaPod
        {
            Id = "p1",
            Status = status switch { "RUNNING" => ArenaPodStatus.Running, "EXITED" => ArenaPodStatus.Stopped, _ => ArenaPodStatus.Terminated },
        };
        var kind = action switch { "stop" => PodAction.Stop, "start" => PodAction.Start, _ => PodAction.Terminate };

        Assert.Equal(done, ArenaInfra.Pods.SettledPodActions.IsDone(kind, pod));
    }

    // ---- creates (PodCreator) ----

    [Fact]
    public void A_create_whose_answer_is_lost_but_happened_is_found_by_its_name_and_never_sent_twice()
    {
        _runPod.LoseAnswer("CreatePod", happened: true);

        var pod = Wait(new PodCreator(_runPod, _runPod.Log, retryDelay: TimeSpan.Zero).CreateAsync(Spec(), CancellationToken.None));

        Assert.Equal("camp-alpha", pod.Name);
        Assert.Single(_runPod.Creates);
        Assert.Equal(new[] { "camp-alpha" }, _runPod.Names());
        Assert.Contains(_runPod.Log.Lines, l => l.Contains($"Create camp-alpha: RunPod did create it ({pod.Id}); not creating it again."));
    }

    [Fact]
    public void A_create_whose_answer_is_lost_and_did_not_happen_is_sent_again_after_a_look()
    {
        _runPod.LoseAnswer("CreatePod", happened: false);

        var pod = Wait(new PodCreator(_runPod, _runPod.Log, retryDelay: TimeSpan.Zero).CreateAsync(Spec(), CancellationToken.None));

        Assert.Equal("camp-alpha", pod.Name);
        Assert.Equal(new[] { "CreatePod", "ListPods", "CreatePod" }, _runPod.Calls.Select(c => c.Operation));
        Assert.Equal(new[] { "camp-alpha" }, _runPod.Names());
    }

    [Fact]
    public void Another_providers_create_whose_answer_is_lost_is_never_sent_again_nor_looked_up()
    {
        // A Vast.ai rent whose answer was lost may have rented a machine that bills; its list may be the
        // last one kept when Vast does not answer, so a missing name proves nothing, and a second rent
        // would be a second machine.
        _runPod.LoseAnswer("CreatePod", happened: false);
        var spec = Spec();
        spec.Provider = ArenaProvider.Vast;

        var error = Fails(() => new PodCreator(_runPod, _runPod.Log, retryDelay: TimeSpan.Zero).CreateAsync(spec, CancellationToken.None));

        Assert.Equal(ArenaErrorIds.ApiUnreachable, error.ErrorId);
        Assert.Equal(new[] { "CreatePod" }, _runPod.Calls.Select(c => c.Operation));
    }

    [Fact]
    public void A_create_lost_every_time_stops_after_its_attempts_with_nothing_made()
    {
        _runPod.LoseAnswer("CreatePod", happened: false, count: 10);

        var error = Fails(() => new PodCreator(_runPod, _runPod.Log, maxAttempts: 3, retryDelay: TimeSpan.Zero).CreateAsync(Spec(), CancellationToken.None));

        Assert.Equal(ArenaErrorIds.ApiUnreachable, error.ErrorId);
        Assert.Equal(3, _runPod.CallsOf("CreatePod"));
        Assert.Empty(_runPod.Names());
    }

    [Fact]
    public void No_funds_for_one_create_sends_no_other_of_the_batch()
    {
        _runPod.NoFunds();
        var creator = new PodCreator(_runPod, _runPod.Log, retryDelay: TimeSpan.Zero);

        var first = Fails(() => creator.CreateAsync(Spec("camp-alpha"), CancellationToken.None));
        var second = Fails(() => creator.CreateAsync(Spec("camp-bravo"), CancellationToken.None));

        Assert.Equal(ArenaErrorIds.InsufficientBalance, first.ErrorId);
        Assert.Equal(ArenaErrorIds.InsufficientBalance, second.ErrorId);
        Assert.Contains("this one was not sent", second.Message);
        Assert.Single(_runPod.Creates);
    }

    [Fact]
    public void No_capacity_for_one_GPU_type_refuses_only_that_type()
    {
        _runPod.NoCapacity(gpu: "NVIDIA RTX A4000");
        var creator = new PodCreator(_runPod, _runPod.Log, retryDelay: TimeSpan.Zero);

        var refused = Fails(() => creator.CreateAsync(Spec("camp-alpha"), CancellationToken.None));
        var made = Wait(creator.CreateAsync(Spec("camp-bravo", "NVIDIA RTX A5000"), CancellationToken.None));

        Assert.Equal(ArenaErrorIds.CapacityUnavailable, refused.ErrorId);
        Assert.Equal("NVIDIA RTX A5000", made.GpuTypeId);
        Assert.Equal(new[] { "camp-bravo" }, _runPod.Names());
    }
}
