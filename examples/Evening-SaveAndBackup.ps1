<#
.SYNOPSIS
    Every evening, for a scheduled task: save the participants' work, back up every pod, write a CSV
    report of each pod's results, and exit 1 if anything failed.
.DESCRIPTION
    Exit codes: 0 every pod saved and backed up, 1 some pod did not (the report says which), 2 the
    run could not go through (no module, no config, no API key). Backups go to <data>\backup, the
    report to <data>\reports and a transcript to <data>\logs (see ScheduledRun.ps1 for the data
    folder), unless -Destination and -ReportPath say otherwise.
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File Evening-SaveAndBackup.ps1 -ConfigPath C:\arena\config.env -Destination D:\arena-backups
.NOTES
    Schedule it on Windows, as the user whose API key is stored (Set-ArenaApiKey), at 19:00:
        $script  = Join-Path (Split-Path (Get-Module ArenaInfra -ListAvailable)[0].Path) 'examples\Evening-SaveAndBackup.ps1'
        $action  = New-ScheduledTaskAction -Execute 'pwsh.exe' -Argument "-NoProfile -NonInteractive -File `"$script`" -ConfigPath C:\arena\config.env -Destination D:\arena-backups"
        $trigger = New-ScheduledTaskTrigger -Daily -At 19:00
        Register-ScheduledTask -TaskName 'Arena evening' -Action $action -Trigger $trigger -User $env:USERNAME
    With cron (Linux, macOS), at 19:00:
        0 19 * * *  pwsh -NoProfile -NonInteractive -File /path/to/ArenaInfra/examples/Evening-SaveAndBackup.ps1 -ConfigPath ~/arena/config.env
#>
[CmdletBinding()]
param(
    # The fleet's config; without it, the one the module finds ($env:ARENA_CONFIG, or the user's).
    [string] $ConfigPath,
    [string] $Label = (Get-Date -Format 'yyyy-MM-dd'),
    [string] $Destination,
    [string] $ReportPath
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'ScheduledRun.ps1')
Start-ArenaRun $PSCommandPath
try {
    if ($ConfigPath) { $null = Import-ArenaConfig $ConfigPath }
    if (-not $Destination) { $Destination = Get-ArenaRunFolder 'backup' }
    if (-not $ReportPath) { $ReportPath = Join-Path (Get-ArenaRunFolder 'reports') "evening-$Label.csv" }
    $pods = @(Get-ArenaPod -Status Running)
    # -Force: a scheduled task cannot answer a prompt.
    $saved = @($pods | Save-ArenaPodWork -Label $Label -Force -ErrorAction Continue)
    $backups = @($pods | Backup-ArenaPod -Label $Label -Destination $Destination -ErrorAction Continue)
    $report = foreach ($pod in $pods) {
        $save = $saved | Where-Object Name -eq $pod.Name
        $backup = $backups | Where-Object Name -eq $pod.Name
        [pscustomobject]@{
            Name        = $pod.Name
            Save        = if ($save) { $save.Status } else { 'NotRun' }
            SaveError   = $save.Error
            BackupOk    = [bool]$backup.Succeeded
            Files       = $backup.Files
            Downloaded  = $backup.Downloaded
            Skipped     = ($backup.SkippedFiles -join ';')
            BackupError = $backup.Error
            # A backup that could not take the course repo from the volume says so here: a problem, not a success.
            BackupWarnings = ($backup.Warnings -join ';')
        }
    }
    $report | Export-Csv -LiteralPath $ReportPath -NoTypeInformation
    $failed = @($report | Where-Object { $_.Save -in 'Failed', 'NotRun' -or -not $_.BackupOk -or $_.BackupWarnings })
    Write-Output ("{0} pods saved and backed up, {1} with problems; report: {2}" -f ($report.Count - $failed.Count), $failed.Count, $ReportPath)
}
catch {
    Write-Error "The evening run could not go through: $($_.Exception.Message)" -ErrorAction Continue
    Stop-ArenaRun 2
}
Stop-ArenaRun ([int]($failed.Count -gt 0))
