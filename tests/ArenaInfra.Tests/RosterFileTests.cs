using System.Diagnostics;
using System.Security;
using ArenaInfra.Access;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>The roster as Import-ArenaRoster reads it, bad rows and all.</summary>
public sealed class RosterFileTests : IDisposable
{
    private readonly PowerShellHost _host = new();
    private readonly TempDir _dir = new();

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void Bad_rows_are_named_by_their_line_and_skipped_and_an_unknown_machine_is_a_warning()
    {
        var roster = _dir.Write("roster.csv", string.Join("\n",
            "participant,email,machine",
            "Ada Lovelace,ada@example.org,alpha",
            "\"Byte, Bob\",bob@example.org,ALPHA",
            "only two,fields",
            ",nobody@example.org,bravo",
            "Eve,not-an-email,bravo",
            "Mallory,m@example.org,bad_machine!",
            "ada lovelace,again@example.org,bravo",
            "Zed,zed@example.org,zulu",
            ""));
        var config = _dir.Write("camp.env", "MACHINE_NAME_PREFIX=camp\nMACHINE_NAME_LIST=(alpha bravo)\n");

        var result = _host.Run("$c = Import-ArenaConfig $cfg -NoDefault; Import-ArenaRoster -Path $roster -Config $c", new Dictionary<string, object?> { ["roster"] = roster, ["cfg"] = config });

        var participants = result.Output.OfType<ArenaParticipant>().ToList();
        Assert.Equal(new[] { "ada-lovelace", "byte-bob", "zed" }, participants.Select(p => p.Id));
        Assert.Equal("Byte, Bob", participants[1].Participant);
        Assert.Equal("alpha", participants[1].Machine);
        Assert.Equal(new[] { 2, 3, 9 }, participants.Select(p => p.Line));
        Assert.Contains(result.Warnings, w => w.Contains("line 4") && w.Contains("three fields"));
        Assert.Contains(result.Warnings, w => w.Contains("line 5") && w.Contains("participant is empty"));
        Assert.Contains(result.Warnings, w => w.Contains("line 6") && w.Contains("not an email address"));
        Assert.Contains(result.Warnings, w => w.Contains("line 7") && w.Contains("cannot be a host name"));
        Assert.Contains(result.Warnings, w => w.Contains("line 8") && w.Contains("as line 2 is already"));
        Assert.Contains(result.Warnings, w => w.Contains("line 9") && w.Contains("'zulu' is not in MachineNames") && w.Contains("kept"));
    }

    [Fact]
    public void An_email_must_be_a_whole_address_else_its_row_is_named_and_skipped()
    {
        var roster = _dir.Write("emails.csv", string.Join("\n",
            "participant,email,machine",
            "Ada,ada@example.org,alpha",
            "Bob,not-an-email,alpha",
            "Cy,cy@,alpha",
            "Di,@example.org,alpha",
            "Ed,ed@example@org,alpha",
            "Flo,flo@example,alpha",
            "Gus,gus@exa mple.org,alpha",
            "Hal,,alpha",
            ""));
        var warnings = new List<string>();

        var participants = ArenaInfra.Access.Roster.Read(roster, new[] { "alpha" }, warnings);

        Assert.Equal(new[] { "ada", "hal" }, participants.Select(p => p.Id));
        foreach (var line in new[] { 3, 4, 5, 6, 7, 8 })
        {
            Assert.Contains(warnings, w => w.Contains($"line {line}:") && w.Contains("is not an email address") && w.Contains("skipped"));
        }
    }

    [Fact]
    public void Without_a_roster_it_says_so_and_a_roster_that_is_not_there_is_named()
    {
        var config = _dir.Write("plain.env", "MACHINE_NAME_PREFIX=camp\nMACHINE_NAME_LIST=(alpha bravo)\n");
        var variables = new Dictionary<string, object?> { ["cfg"] = config, ["gone"] = Path.Combine(_dir.Path, "gone.csv") };

        var none = _host.Run("$c = Import-ArenaConfig $cfg -NoDefault; try { Import-ArenaRoster -Config $c } catch { $_ }", variables);
        var gone = _host.Run("$c = Import-ArenaConfig $cfg -NoDefault; try { Import-ArenaRoster -Path $gone -Config $c } catch { $_ }", variables);

        Assert.Equal("RosterMissing", none.CaughtErrorId);
        Assert.Contains("ARENA_ROSTER", none.Caught.ErrorDetails.RecommendedAction);
        Assert.Equal("CsvFileNotFound", gone.CaughtErrorId);
        Assert.Contains("gone.csv", gone.Caught.Exception.Message);
    }

    [Fact]
    public void An_empty_pipeline_makes_no_key_and_no_folder()
    {
        var keys = Path.Combine(_dir.Path, "keys");
        var config = _dir.Write("roster.env", $"MACHINE_NAME_PREFIX=camp\nMACHINE_NAME_LIST=(alpha)\nARENA_ROSTER={_dir.Write("r.csv", "participant,email,machine\nAda,ada@example.org,alpha\n")}\nARENA_PARTICIPANT_KEYS={keys}\n");

        var result = _host.Run("$c = Import-ArenaConfig $cfg -NoDefault; @() | New-ArenaParticipantKey -Config $c", new Dictionary<string, object?> { ["cfg"] = config });

        Assert.Empty(result.Output);
        Assert.Empty(result.Errors);
        Assert.False(Directory.Exists(keys));
    }
}
