<#
.SYNOPSIS
    Every evening, for a scheduled task: save the participants' work, back up every pod, write a CSV
    report of each pod's results, and exit 1 if anything failed.
.EXAMPLE
    pwsh -NoProfile -File Evening-SaveAndBackup.ps1 -ConfigPath C:\arena\config.env -Destination D:\arena-backups
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ConfigPath,
    [string] $Label = (Get-Date -Format 'yyyy-MM-dd'),
    [string] $Destination = './backup',
    [string] $ReportPath = "./evening-$Label.csv"
)
$ErrorActionPreference = 'Stop'
Import-Module ArenaInfra
$null = Import-ArenaConfig $ConfigPath

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
        TooBig      = ($backup.SkippedFiles -join ';')
        BackupError = $backup.Error
    }
}
$report | Export-Csv -LiteralPath $ReportPath -NoTypeInformation
$failed = @($report | Where-Object { $_.Save -in 'Failed', 'NotRun' -or -not $_.BackupOk })
Write-Output ("{0} pods saved and backed up, {1} with problems; report: {2}" -f ($report.Count - $failed.Count), $failed.Count, $ReportPath)
exit ([int]($failed.Count -gt 0))
