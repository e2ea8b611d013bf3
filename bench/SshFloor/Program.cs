using System.Diagnostics;
using Renci.SshNet;

// The floor of the SSH benchmarks: SSH.NET alone, no cmdlet around it, every target at once.
// The same choices as the module, so the comparison is fair: curve25519-sha256 first and a thread
// pool that does not starve.
//   SshFloor KEY USER COMMAND host:port ...
//       connects to every target, runs the command once, disconnects; prints "seconds failures".
//   SshFloor --keep --rounds N [--interval-ms M] KEY USER COMMAND host:port ...
//       opens one session a target and keeps it; then N rounds, each running the command on every
//       target at once over its kept session, M ms apart (as a refresh of -Watch is), after one
//       round not counted; prints "connect seconds failures", "warmup seconds failures" and then
//       "round seconds failures" a round.
var keep = false;
var rounds = 1;
var intervalMs = 0;
var rest = new List<string>(args);
while (rest.Count > 0 && rest[0].StartsWith("--", StringComparison.Ordinal))
{
    var option = rest[0];
    rest.RemoveAt(0);
    switch (option)
    {
        case "--keep": keep = true; break;
        case "--rounds" when rest.Count > 0: rounds = int.Parse(rest[0]); rest.RemoveAt(0); break;
        case "--interval-ms" when rest.Count > 0: intervalMs = int.Parse(rest[0]); rest.RemoveAt(0); break;
        default: return Usage();
    }
}
if (rest.Count < 4 || rounds < 1) return Usage();
var key = new PrivateKeyFile(rest[0]);
var user = rest[1];
var command = rest[2];
var targets = rest.Skip(3).Select(t => (Host: t[..t.LastIndexOf(':')], Port: int.Parse(t[(t.LastIndexOf(':') + 1)..]))).ToList();
ThreadPool.SetMinThreads(targets.Count * 2 + 8, targets.Count * 2 + 8);

SshClient Connect((string Host, int Port) target)
{
    var info = new ConnectionInfo(target.Host, target.Port, user, new PrivateKeyAuthenticationMethod(user, key)) { Timeout = TimeSpan.FromSeconds(30) };
    info.KeyExchangeAlgorithms.SetPosition("curve25519-sha256", 0);
    var client = new SshClient(info);
    client.HostKeyReceived += (_, e) => e.CanTrust = true;
    try
    {
        client.Connect();
        return client;
    }
    catch
    {
        client.Dispose();
        throw;
    }
}

// Runs work on every target at once; the seconds it took and how many failed.
async Task<(double Seconds, int Failures)> EveryTarget(Func<int, bool> work)
{
    var failures = 0;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(targets.Select((target, i) => Task.Run(() =>
    {
        try
        {
            if (!work(i)) Interlocked.Increment(ref failures);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"{target.Host}:{target.Port}: {e.Message}");
            Interlocked.Increment(ref failures);
        }
    })));
    return (clock.Elapsed.TotalSeconds, failures);
}

if (!keep)
{
    var once = await EveryTarget(i =>
    {
        using var client = Connect(targets[i]);
        return client.RunCommand(command).ExitStatus == 0;
    });
    Console.WriteLine($"{once.Seconds:0.000} {once.Failures}");
    return 0;
}

var sessions = new SshClient?[targets.Count];
try
{
    var opened = await EveryTarget(i => (sessions[i] = Connect(targets[i])).IsConnected);
    Console.WriteLine($"connect {opened.Seconds:0.000} {opened.Failures}");
    // Not counted, as -Watch's first refresh is not: it runs the command's code paths for the first time.
    var warmup = await EveryTarget(i => sessions[i] is { } client && client.RunCommand(command).ExitStatus == 0);
    Console.WriteLine($"warmup {warmup.Seconds:0.000} {warmup.Failures}");
    for (var round = 1; round <= rounds; round++)
    {
        if (round > 1 && intervalMs > 0) await Task.Delay(intervalMs);
        var result = await EveryTarget(i => sessions[i] is { } client && client.RunCommand(command).ExitStatus == 0);
        Console.WriteLine($"round {result.Seconds:0.000} {result.Failures}");
    }
}
finally
{
    foreach (var client in sessions) client?.Dispose();
}
return 0;

static int Usage()
{
    Console.Error.WriteLine("usage: SshFloor [--keep --rounds N [--interval-ms M]] KEY USER COMMAND host:port [host:port ...]");
    return 2;
}
