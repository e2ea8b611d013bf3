using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace ArenaInfra.Tests.Support;

/// <summary>A runspace with the module's cmdlets loaded from the assembly under test.</summary>
public sealed class PowerShellHost : IDisposable
{
    private readonly Runspace _runspace;

    /// <summary>
    /// The session every runspace starts from, built once: the default commands and the module under
    /// test. Each runspace takes its own copy of it, so every test still starts a fresh session.
    /// </summary>
    private static readonly Lazy<InitialSessionState> Initial = new(() =>
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(typeof(ArenaInfra.Cmdlets.GetArenaPodCommand).Assembly.Location);
        return state;
    });

    /// <summary>Without a host: a session that cannot prompt, as a scheduled task's.</summary>
    public PowerShellHost() : this(null) { }

    /// <summary>With a host (a PromptingHost answers questions as a person would).</summary>
    public PowerShellHost(System.Management.Automation.Host.PSHost? host)
    {
        var state = Initial.Value;
        _runspace = host == null ? RunspaceFactory.CreateRunspace(state) : RunspaceFactory.CreateRunspace(host, state);
        _runspace.Open();
    }

    /// <summary>Runs a script; the result holds output, errors and verbose lines.</summary>
    public HostResult Run(string script, IDictionary<string, object?>? variables = null)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        foreach (var variable in variables ?? new Dictionary<string, object?>())
        {
            _runspace.SessionStateProxy.SetVariable(variable.Key, variable.Value);
        }
        ps.AddScript(script);
        Collection<PSObject> output;
        RuntimeException? terminating = null;
        try
        {
            output = ps.Invoke();
        }
        catch (RuntimeException e)
        {
            output = new Collection<PSObject>();
            terminating = e;
        }
        return new HostResult(
            output.Select(o => o?.BaseObject).ToList(),
            ps.Streams.Error.ToList(),
            ps.Streams.Verbose.Select(v => v.Message).ToList(),
            ps.Streams.Debug.Select(v => v.Message).ToList(),
            ps.Streams.Warning.Select(v => v.Message).ToList(),
            terminating,
            ps.Streams.Progress.ToList());
    }

    /// <summary>A script ready to start in this runspace, for a command that runs until stopped (-Watch, -Follow).</summary>
    public PowerShell Prepare(string script)
    {
        var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        return ps;
    }

    public void Dispose() => _runspace.Dispose();

    /// <summary>Starts a script in a runspace of its own, stops it as Ctrl+C would after a while, and says how long stopping took.</summary>
    public static (bool WasRunning, TimeSpan StopTook, PSInvocationState State) StopAfter(string script, TimeSpan after)
    {
        using var runspace = RunspaceFactory.CreateRunspace(Initial.Value);
        runspace.Open();
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript(script);
        var running = ps.BeginInvoke();
        Thread.Sleep(after);
        var wasRunning = !running.IsCompleted;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ps.Stop();
        running.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10));
        return (wasRunning, clock.Elapsed, ps.InvocationStateInfo.State);
    }
}

public sealed record HostResult(
    IReadOnlyList<object?> Output,
    IReadOnlyList<ErrorRecord> Errors,
    IReadOnlyList<string> Verbose,
    IReadOnlyList<string> Debug,
    IReadOnlyList<string> Warnings,
    RuntimeException? Terminating,
    IReadOnlyList<ProgressRecord>? Progress = null)
{
    /// <summary>The error a script's 'try { ... } catch { $_ }' caught: only terminating errors get there.</summary>
    public ErrorRecord Caught => Output.OfType<ErrorRecord>().Single();

    public string CaughtErrorId => Caught.FullyQualifiedErrorId.Split(',')[0];
}
