using System.Net;
using System.Net.Sockets;
using ArenaInfra.Common;
using ArenaInfra.Deploy;
using ArenaInfra.RunPod;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// The readiness board Deploy-ArenaPod waits on: one pod list a round however many pods wait, each pod
/// released the moment its port answers (not when the others do), a stopped or vanished pod told at once.
/// </summary>
public sealed class ReadinessBoardTests : IDisposable
{
    private readonly ListedPods _api = new();
    private readonly List<TcpListener> _listeners = new();

    public void Dispose()
    {
        foreach (var listener in _listeners) listener.Stop();
    }

    private int Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _listeners.Add(listener);
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private ReadinessBoard Board() => new(_api, NullArenaLog.Instance) { PollInterval = TimeSpan.FromMilliseconds(100), ProbeTimeout = TimeSpan.FromMilliseconds(300) };

    [Fact]
    public void Each_pod_is_released_as_its_port_answers_with_one_list_a_round_for_all()
    {
        var slowPort = FreePort();
        var a = _api.Add("camp-alpha", ArenaPodStatus.Running, Listen());
        var b = _api.Add("camp-bravo", ArenaPodStatus.Running, slowPort);
        var c = _api.Add("camp-charlie", ArenaPodStatus.Running, Listen());
        var board = Board();

        var waits = new[] { a, b, c }.Select(p => board.WaitAsync(p, TimeSpan.FromSeconds(30), CancellationToken.None)).ToArray();
        Assert.True(Task.WaitAll(new[] { waits[0], waits[2] }, TimeSpan.FromSeconds(10)));
        Thread.Sleep(500);

        Assert.False(waits[1].IsCompleted);
        var roundsWhileWaiting = _api.Lists;
        Assert.True(roundsWhileWaiting >= 2, $"{roundsWhileWaiting} lists");
        var listener = new TcpListener(IPAddress.Loopback, slowPort);
        listener.Start();
        _listeners.Add(listener);
        Assert.True(waits[1].Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal("camp-bravo", waits[1].Result.Name);
        // Three pods waited, yet RunPod was asked once a round: never two lists at once.
        Assert.All(_api.Rounds, r => Assert.Equal(1, r));
    }

    [Fact]
    public void A_stopped_pod_is_told_at_once_and_a_vanished_one_as_not_found()
    {
        var stopped = _api.Add("camp-alpha", ArenaPodStatus.Stopped, null);
        var gone = new ArenaPod { Id = "gone1", Name = "camp-bravo", Status = ArenaPodStatus.Running };
        var board = Board();

        var s = board.WaitAsync(stopped, TimeSpan.FromSeconds(30), CancellationToken.None);
        var g = board.WaitAsync(gone, TimeSpan.FromSeconds(30), CancellationToken.None);

        var notReady = Assert.Throws<AggregateException>(() => s.Wait(TimeSpan.FromSeconds(5))).InnerException as ArenaException;
        var notFound = Assert.Throws<AggregateException>(() => g.Wait(TimeSpan.FromSeconds(5))).InnerException as ArenaException;
        Assert.Equal(ArenaErrorIds.PodNotReady, notReady!.ErrorId);
        Assert.Contains("stopped", notReady.Message);
        Assert.Equal(ArenaErrorIds.PodNotFound, notFound!.ErrorId);
    }

    [Fact]
    public void A_pod_that_never_answers_is_not_ready_after_its_timeout()
    {
        var pod = _api.Add("camp-alpha", ArenaPodStatus.Running, FreePort());

        var wait = Board().WaitAsync(pod, TimeSpan.FromMilliseconds(600), CancellationToken.None);

        var error = Assert.Throws<AggregateException>(() => wait.Wait(TimeSpan.FromSeconds(10))).InnerException as ArenaException;
        Assert.Equal(ArenaErrorIds.PodNotReady, error!.ErrorId);
        Assert.Contains("not ready within", error.Message);
    }

    [Fact]
    public void Cancelling_ends_the_wait_without_an_error_of_its_own()
    {
        var pod = _api.Add("camp-alpha", ArenaPodStatus.Running, FreePort());
        using var cancel = new CancellationTokenSource();

        var wait = Board().WaitAsync(pod, TimeSpan.FromSeconds(30), cancel.Token);
        cancel.CancelAfter(300);

        Assert.Throws<AggregateException>(() => wait.Wait(TimeSpan.FromSeconds(5)));
        Assert.True(wait.IsCanceled);
    }

    /// <summary>A RunPod that only lists: each list counted, with how many lists ran at once (a round).</summary>
    private sealed class ListedPods : IRunPodApi
    {
        private readonly List<ArenaPod> _pods = new();
        private int _inFlight;

        public int Lists => Rounds.Count;
        public List<int> Rounds { get; } = new();

        public ArenaPod Add(string name, ArenaPodStatus status, int? port)
        {
            var pod = new ArenaPod { Id = $"p{_pods.Count + 1}", Name = name, Status = status, PublicIp = port == null ? null : "127.0.0.1", SshPort = port };
            lock (_pods) _pods.Add(pod);
            return pod;
        }

        public async Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _inFlight);
            lock (Rounds) Rounds.Add(now);
            await Task.Delay(10, cancellationToken);
            Interlocked.Decrement(ref _inFlight);
            lock (_pods) return _pods.ToList();
        }

        public Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<ArenaPod> CreatePodAsync(PodCreateSpec spec, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task StopPodAsync(string podId, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<ArenaPod> StartPodAsync(string podId, int gpuCount, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task TerminatePodAsync(string podId, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<GpuOffer?> GetGpuOfferAsync(string gpuTypeId, string cloudType, int gpuCount, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IReadOnlyList<string>> GetAccountSshKeysAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<ArenaPod> SetLockedAsync(string podId, bool locked, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task ReadLogsAsync(string podId, int tail, bool follow, string? source, Action<PodLogEvent> onLine, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IReadOnlyList<ArenaNetworkVolume>> ListNetworkVolumesAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
