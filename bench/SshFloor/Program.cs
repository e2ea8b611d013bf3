using System.Diagnostics;
using Renci.SshNet;

// Connects to every target at once, runs one command, disconnects; prints the wall time.
// The same choices as the module, so the comparison is fair: curve25519-sha256 first and a thread
// pool that does not starve. Usage: SshFloor KEY USER COMMAND host:port [host:port ...]
if (args.Length < 4)
{
    Console.Error.WriteLine("usage: SshFloor KEY USER COMMAND host:port [host:port ...]");
    return 2;
}
var key = new PrivateKeyFile(args[0]);
var user = args[1];
var command = args[2];
var targets = args.Skip(3).Select(t => (Host: t[..t.LastIndexOf(':')], Port: int.Parse(t[(t.LastIndexOf(':') + 1)..]))).ToList();
ThreadPool.SetMinThreads(targets.Count * 2 + 8, targets.Count * 2 + 8);

var failures = 0;
var clock = Stopwatch.StartNew();
await Task.WhenAll(targets.Select(target => Task.Run(() =>
{
    try
    {
        var info = new ConnectionInfo(target.Host, target.Port, user, new PrivateKeyAuthenticationMethod(user, key)) { Timeout = TimeSpan.FromSeconds(30) };
        info.KeyExchangeAlgorithms.SetPosition("curve25519-sha256", 0);
        using var client = new SshClient(info);
        client.HostKeyReceived += (_, e) => e.CanTrust = true;
        client.Connect();
        var result = client.RunCommand(command);
        if (result.ExitStatus != 0) Interlocked.Increment(ref failures);
    }
    catch (Exception e)
    {
        Console.Error.WriteLine($"{target.Host}:{target.Port}: {e.Message}");
        Interlocked.Increment(ref failures);
    }
})));
clock.Stop();
Console.WriteLine($"{clock.Elapsed.TotalSeconds:0.000} {failures}");
return 0;
