<#
.SYNOPSIS
    The morning check, for a scheduled task: test every pod, write a CSV report, and exit 1 if any pod failed.
.DESCRIPTION
    Exit codes: 0 every pod passed, 1 some pod failed (the report says which), 2 the check could
    not run (no module, no config, no API key). A pod named in -StoppedByDesign that is stopped is
    reported (the StoppedByDesign column, and the last line) but does not fail the run; running,
    it is checked like any other. The report goes to <data>\reports and a transcript
    of the run to <data>\logs (see ScheduledRun.ps1 for the data folder), unless -ReportPath says
    otherwise; nothing is written to the working folder, which a task may not choose.
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File Morning-Check.ps1 -ConfigPath C:\arena\config.env
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File Morning-Check.ps1 -ConfigPath C:\arena\config.env -StoppedByDesign spare1,spare2
    The spare machines are kept stopped until someone needs one: stopped, they do not fail the check.
.NOTES
    Schedule it on Windows, as the user whose API key is stored (Set-ArenaApiKey), at 07:30:
        $script  = Join-Path (Split-Path (Get-Module ArenaInfra -ListAvailable)[0].Path) 'examples\Morning-Check.ps1'
        $action  = New-ScheduledTaskAction -Execute 'pwsh.exe' -Argument "-NoProfile -NonInteractive -File `"$script`" -ConfigPath C:\arena\config.env"
        $trigger = New-ScheduledTaskTrigger -Daily -At 07:30
        Register-ScheduledTask -TaskName 'Arena morning check' -Action $action -Trigger $trigger -User $env:USERNAME
    With cron (Linux, macOS), at 07:30:
        30 7 * * *  pwsh -NoProfile -NonInteractive -File /path/to/ArenaInfra/examples/Morning-Check.ps1 -ConfigPath ~/arena/config.env
#>
[CmdletBinding()]
param(
    # The fleet's config; without it, the one the module finds ($env:ARENA_CONFIG, or the user's).
    [string] $ConfigPath,
    [string] $ReportPath,
    # Without -Command, the GPU check runs in the course's conda env.
    [string] $Command,
    # Pods meant to be stopped (a spare, a pod paused for the week): machine names (spare1) or pod names (arena-spare1).
    [string[]] $StoppedByDesign = @()
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'ScheduledRun.ps1')
Start-ArenaRun $PSCommandPath
try {
    if ($ConfigPath) { $null = Import-ArenaConfig $ConfigPath }
    if (-not $ReportPath) { $ReportPath = Join-Path (Get-ArenaRunFolder 'reports') "morning-check-$(Get-Date -Format yyyy-MM-dd).csv" }
    $check = @{ }
    if ($Command) { $check.Command = $Command }
    $prefix = (Get-ArenaConfig).Prefix
    $meant = @($StoppedByDesign | ForEach-Object { $_; "$prefix-$_" })
    $results = @(Get-ArenaPod | Test-ArenaPod @check -ErrorAction Continue)
    $stopped = @($results | Where-Object { $_.Stage -eq 'NotRunning' -and $meant -contains $_.Name } | ForEach-Object Name)
    $results | Select-Object Name, Passed, Stage, Error, TorchVersion, GpuName, @{ n = 'Seconds'; e = { [math]::Round($_.Duration.TotalSeconds, 1) } },
        @{ n = 'StoppedByDesign'; e = { $stopped -contains $_.Name } } |
        Export-Csv -LiteralPath $ReportPath -NoTypeInformation
    $checked = @($results | Where-Object { $stopped -notcontains $_.Name })
    $failed = @($checked | Where-Object { -not $_.Passed })
    $asMeant = if ($stopped.Count) { "; stopped by design: $($stopped -join ', ')" } else { '' }
    Write-Output ("{0} of {1} pods passed{2}; report: {3}" -f ($checked.Count - $failed.Count), $checked.Count, $asMeant, $ReportPath)
}
catch {
    Write-Error "The morning check could not run: $($_.Exception.Message)" -ErrorAction Continue
    Stop-ArenaRun 2
}
Stop-ArenaRun ([int]($failed.Count -gt 0))
