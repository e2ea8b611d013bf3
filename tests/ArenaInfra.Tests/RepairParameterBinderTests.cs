using System.Collections.Specialized;
using System.Management.Automation;
using ArenaInfra.Cmdlets;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// Start-ArenaPod -RepairParameters taken as Repair-ArenaPod takes its parameters: by name, alias or an
/// unambiguous start of one, converted and checked by its attributes; what Start-ArenaPod sets itself,
/// and the common parameters, left out with a word.
/// </summary>
public sealed class RepairParameterBinderTests : IDisposable
{
    private static readonly HashSet<string> Own = new(StringComparer.OrdinalIgnoreCase) { "Id", "Name", "Config", "ApiKey", "Force" };
    private readonly PowerShellHost _host = new();
    private readonly List<(string Name, bool Own)> _leftOut = new();

    public void Dispose() => _host.Dispose();

    private RepairArenaPodCommand Bind(params (string Key, object? Value)[] pairs)
    {
        var given = new OrderedDictionary();
        foreach (var (key, value) in pairs) given.Add(key, value);
        var engine = (EngineIntrinsics)_host.Run("$ExecutionContext").Output.Single()!;
        return RepairParameterBinder.Bind(given, Own, (name, own) => _leftOut.Add((name, own)), engine);
    }

    [Fact]
    public void Values_are_converted_to_the_parameters_types_and_a_start_of_a_name_is_enough()
    {
        using var bound = Bind(("backupsource", "/backups"), ("SkipSetup", "Git"), ("ReadyTimeoutSec", "60"), ("NoPublish", true),
            ("TestComm", "true"), ("MaxCostPerHour", 0.5), ("HostKeyPolicy", "Strict"), ("ThrottleLimit", "3"));

        Assert.Equal("/backups", bound.BackupSource);
        Assert.Equal(new[] { "Git" }, bound.SkipSetup);
        Assert.Equal(60, bound.ReadyTimeoutSec);
        Assert.True(bound.NoPublish.IsPresent);
        Assert.Equal("true", bound.TestCommand);
        Assert.Equal(0.5m, bound.MaxCostPerHour);
        Assert.Equal(ArenaHostKeyPolicy.Strict, bound.HostKeyPolicy);
        Assert.Equal(3, bound.ThrottleLimit);
        // What was not given keeps Repair-ArenaPod's default.
        Assert.Equal(1800, bound.TimeoutSec);
        Assert.Empty(_leftOut);
    }

    [Fact]
    public void What_Start_sets_itself_and_the_common_parameters_are_left_out_and_said_so()
    {
        using var bound = Bind(("Name", "other"), ("force", true), ("Verbose", true), ("WhatIf", true), ("FromBranch", "w1d5"));

        Assert.Equal(new[] { ("Name", true), ("force", true), ("Verbose", false), ("WhatIf", false) }, _leftOut);
        Assert.Null(bound.Name);
        Assert.False(bound.Force.IsPresent);
        Assert.Equal("w1d5", bound.FromBranch);
    }

    [Theory]
    [InlineData("Bogus", "1", "no parameter 'Bogus'")]
    [InlineData("Backup", "x", "could be any of")]
    [InlineData("BackupLabel", "bad label", "BackupLabel")]
    [InlineData("ReadyTimeoutSec", "0", "ReadyTimeoutSec")]
    [InlineData("SkipSetup", "Everything", "SkipSetup")]
    [InlineData("ThrottleLimit", "many", "ThrottleLimit")]
    public void A_key_or_value_Repair_ArenaPod_would_refuse_is_refused(string key, string value, string said)
    {
        var error = Assert.Throws<ParameterBindingException>(() => Bind((key, value)));

        Assert.Contains(said, error.Message);
        Assert.StartsWith("-RepairParameters", error.Message);
    }
}
