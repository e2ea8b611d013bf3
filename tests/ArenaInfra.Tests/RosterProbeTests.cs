using ArenaInfra.Access;
using ArenaInfra.Config;
using ArenaInfra.Operations;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Test-ArenaPod -AsRoster's loop, without sshd: each participant's round is answered by a stand-in
/// that says who got in where, and the probe judges, orders, counts and names the holes.
/// </summary>
public sealed class RosterProbeTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly ArenaPod[] Pods =
    {
        new() { Id = "id-bravo", Name = "camp-bravo", MachineName = "bravo", IsFleetPod = true, Status = ArenaPodStatus.Running },
        new() { Id = "id-alpha", Name = "camp-alpha", MachineName = "alpha", IsFleetPod = true, Status = ArenaPodStatus.Running },
    };

    /// <summary>A roster of three, of whom the first two have keys.</summary>
    private RosterAccess Access()
    {
        var roster = _dir.Write("roster.csv", "participant,email,machine\nAda Lovelace,,alpha\nCy Cipher,,bravo\nNo Key,,alpha\n");
        var keys = Path.Combine(_dir.Path, "keys");
        var config = ConfigLoader.Defaults()
            .With("Prefix", "camp", ArenaConfigSource.Default)
            .With("MachineNames", new[] { "alpha", "bravo" }, ArenaConfigSource.Default)
            .With("SharedKeyPath", RepoPaths.Fixture("keys/test_ed25519"), ArenaConfigSource.Default)
            .With("ParticipantKeyFolder", keys, ArenaConfigSource.Default);
        var store = new ParticipantKeys(keys);
        foreach (var participant in Roster.Read(roster, config.MachineNames, new List<string>()).Where(p => p.Id != "no-key")) store.Ensure(participant);
        return RosterAccess.Load(config, roster, new RecordingLog());
    }

    /// <summary>A stand-in for the SSH round: who gets in where, as "id@pod-name", answered in reverse name order.</summary>
    private static Func<ArenaParticipantKey, PodTestOperation, IEnumerable<ArenaPodTestResult>> Reaches(List<(string Id, PodTestOperation Operation)> calls, params string[] reached) =>
        (key, operation) =>
        {
            calls.Add((key.Id, operation));
            return Pods.OrderByDescending(p => p.Name, StringComparer.Ordinal).Select(p => reached.Contains($"{key.Id}@{p.Name}")
                ? new ArenaPodTestResult { Name = p.Name, Succeeded = true, Stage = ArenaTestStage.Passed }
                : new ArenaPodTestResult { Name = p.Name, Succeeded = false, Stage = ArenaTestStage.Authenticate, Error = "refused" }).ToList();
        };

    [Fact]
    public void Each_participant_with_a_key_tries_every_pod_and_a_roster_kept_exactly_has_no_holes()
    {
        var calls = new List<(string Id, PodTestOperation Operation)>();
        var results = new List<ArenaRosterAccessResult>();
        var log = new RecordingLog();

        var report = new RosterProbe(Access(), null, "arena", TimeSpan.FromSeconds(42), log)
            .Run(Pods, Reaches(calls, "ada-lovelace@camp-alpha", "cy-cipher@camp-bravo"), results.Add, CancellationToken.None);

        Assert.Equal(new[] { "ada-lovelace", "cy-cipher" }, calls.Select(c => c.Id));
        Assert.All(calls, c => Assert.Equal(TimeSpan.FromSeconds(42), c.Operation.Timeout));
        Assert.NotSame(calls[0].Operation, calls[1].Operation);
        Assert.Equal(new[] { "ada-lovelace camp-alpha True True", "ada-lovelace camp-bravo False False", "cy-cipher camp-alpha False False", "cy-cipher camp-bravo True True" },
            results.Select(r => $"{r.Id} {r.Name} {r.Assigned} {r.Reached}"));
        Assert.Equal(4, report.Checks);
        Assert.Empty(report.Holes);
        Assert.Equal("Test-ArenaPod -AsRoster: 4 checks, every participant reaches their own machine and no other.", report.ToString());
        Assert.Contains("DEBUG: Trying ada-lovelace's key on 2 pod(s).", log.Lines);
    }

    [Fact]
    public void A_participant_who_reaches_a_machine_not_theirs_or_is_refused_on_their_own_is_a_hole()
    {
        var results = new List<ArenaRosterAccessResult>();

        var report = new RosterProbe(Access(), "true", "arena", TimeSpan.FromSeconds(5), new RecordingLog())
            .Run(Pods, Reaches(new(), "ada-lovelace@camp-alpha", "ada-lovelace@camp-bravo"), results.Add, CancellationToken.None);

        Assert.Equal(4, report.Checks);
        Assert.Equal(new[] { "Ada Lovelace on camp-bravo: reached (NOT as the roster says)", "Cy Cipher on camp-bravo: refused at Authenticate (NOT as the roster says)" }, report.Holes);
        Assert.Equal(2, results.Count(r => r.Hole));
        Assert.StartsWith("Test-ArenaPod -AsRoster: 2 of 4 checks are not as the roster says: Ada Lovelace on camp-bravo", report.ToString());
        Assert.EndsWith("Sync-ArenaPodAccess makes the pods trust exactly their people.", report.ToString());
    }

    [Fact]
    public void No_pods_means_no_round_and_a_cancel_stops_before_the_next_participant()
    {
        var calls = new List<(string Id, PodTestOperation Operation)>();
        using var cancel = new CancellationTokenSource();
        var probe = new RosterProbe(Access(), null, "arena", TimeSpan.FromSeconds(5), new RecordingLog());

        var none = probe.Run(Array.Empty<ArenaPod>(), Reaches(calls), _ => { }, CancellationToken.None);
        var stopped = probe.Run(Pods, (key, operation) =>
        {
            cancel.Cancel();
            return Reaches(calls)(key, operation);
        }, _ => { }, cancel.Token);

        Assert.Equal(0, none.Checks);
        Assert.Equal(new[] { "ada-lovelace" }, calls.Select(c => c.Id));
        Assert.Equal(2, stopped.Checks);
    }

    [Fact]
    public void A_pod_nobody_could_reach_is_not_counted_as_the_roster_says()
    {
        var results = new List<ArenaRosterAccessResult>();
        Func<ArenaParticipantKey, PodTestOperation, IEnumerable<ArenaPodTestResult>> bravoDown = (key, operation) => Pods.Select(p => p.Name == "camp-bravo"
            ? new ArenaPodTestResult { Name = p.Name, Succeeded = false, Stage = ArenaTestStage.Connect, Error = "timed out" }
            : key.Id == "ada-lovelace"
                ? new ArenaPodTestResult { Name = p.Name, Succeeded = true, Stage = ArenaTestStage.Passed }
                : new ArenaPodTestResult { Name = p.Name, Succeeded = false, Stage = ArenaTestStage.Authenticate, Error = "refused" }).ToList();

        var report = new RosterProbe(Access(), null, "arena", TimeSpan.FromSeconds(5), new RecordingLog()).Run(Pods, bravoDown, results.Add, CancellationToken.None);

        Assert.Equal(new bool?[] { true, null, true, false }, results.Select(r => r.AsRosterSays));
        Assert.Equal("Test-ArenaPod -AsRoster: 1 of 4 checks are not as the roster says: Cy Cipher on camp-bravo: refused at Connect (NOT as the roster says); 1 could not be made (the pod was not reached): Ada Lovelace on camp-bravo. Sync-ArenaPodAccess makes the pods trust exactly their people.", report.ToString());
        Assert.Equal("Ada Lovelace on camp-bravo: not reached (Connect), so unknown", results[1].ToString());
    }
}
