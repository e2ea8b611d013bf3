<#
.SYNOPSIS
    The nightly idle report, for a scheduled task: which pods nobody has used for hours, in a CSV, and exit 1 if there are any.
.DESCRIPTION
    Probes every fleet pod with Get-ArenaIdlePod (read-only: nothing is saved, backed up or
    stopped) and writes one CSV row a pod: its verdict, why, its readings, what it costs an hour,
    and for a candidate the commands that would save, back up and stop it. Mails nothing.
    Exit codes: 0 no pod is a candidate, 1 some pod is (the report says which and what it costs),
    2 the report could not run (no module, no config, no API key). A pod that did not answer is
    "Unknown" in the report, never a candidate. The report goes to <data>\reports and a transcript
    of the run to <data>\logs (see ScheduledRun.ps1 for the data folder), unless -ReportPath says
    otherwise.
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File Nightly-IdleReport.ps1 -ConfigPath C:\arena\config.env -Hours 6
.NOTES
    Schedule it on Windows, as the user whose API key is stored (Set-ArenaApiKey), at 23:00:
        $script  = Join-Path (Split-Path (Get-Module ArenaInfra -ListAvailable)[0].Path) 'examples\Nightly-IdleReport.ps1'
        $action  = New-ScheduledTaskAction -Execute 'pwsh.exe' -Argument "-NoProfile -NonInteractive -File `"$script`" -ConfigPath C:\arena\config.env"
        $trigger = New-ScheduledTaskTrigger -Daily -At 23:00
        Register-ScheduledTask -TaskName 'Arena idle report' -Action $action -Trigger $trigger -User $env:USERNAME
    With cron (Linux, macOS), at 23:00:
        0 23 * * *  pwsh -NoProfile -NonInteractive -File /path/to/ArenaInfra/examples/Nightly-IdleReport.ps1 -ConfigPath ~/arena/config.env
#>
[CmdletBinding()]
param(
    # The fleet's config; without it, the one the module finds ($env:ARENA_CONFIG, or the user's).
    [string] $ConfigPath,
    [string] $ReportPath,
    # How long a pod must have gone unused to be a candidate.
    [ValidateRange(0.5, 720)]
    [double] $Hours = 6
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'ScheduledRun.ps1')
Start-ArenaRun $PSCommandPath
try {
    if ($ConfigPath) { $null = Import-ArenaConfig $ConfigPath }
    if (-not $ReportPath) { $ReportPath = Join-Path (Get-ArenaRunFolder 'reports') "idle-pods-$(Get-Date -Format yyyy-MM-dd).csv" }
    $reports = @(Get-ArenaIdlePod -Hours $Hours -ErrorAction Continue)
    $reports | Select-Object Name, Verdict, Why, CostPerHour, SshSessions, VsCodeProcesses, InboundConnections, GpuUtilizationPercent,
        GpuMemoryUsedMiB, HoursSinceFileChange, UptimeHours, @{ n = 'Commands'; e = { $_.Commands -join '; ' } } |
        Export-Csv -LiteralPath $ReportPath -NoTypeInformation
    $candidates = @($reports | Where-Object Candidate)
    $cost = ($candidates | Measure-Object CostPerHour -Sum).Sum
    Write-Output ("{0} of {1} pods idle for {2} h, costing {3:0.00} an hour; report: {4}" -f $candidates.Count, $reports.Count, $Hours, $cost, $ReportPath)
}
catch {
    Write-Error "The idle report could not run: $($_.Exception.Message)" -ErrorAction Continue
    Stop-ArenaRun 2
}
Stop-ArenaRun ([int]($candidates.Count -gt 0))
