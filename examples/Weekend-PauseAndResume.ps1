<#
.SYNOPSIS
    The weekend, for two scheduled tasks: on Friday evening save every pod's work, back it up and stop
    the fleet; on Monday morning start it again, replace the pods stuck on a full host, set every pod
    up, bring the work back, set the secrets, publish the proxy config and test. Each run writes a
    CSV report and exits 1 if any pod needs a look.
.DESCRIPTION
    A stop erases each pod's container disk, where the participants' homes live by default: Friday
    keeps the work twice (an autocommit branch per pod, and a backup of each home) before stopping.
    On Monday a pod whose host has no free GPU cannot start at all ("stuck on its host"): it is
    replaced under its name, with its work restored, and participants notice nothing.

    Exit codes: 0 every pod is fine, 1 some pod needs a look (the report says which), 2 the run could
    not go through (no module, no config, no API key). Backups go to <data>\backup, the report to
    <data>\reports and a transcript to <data>\logs (see ScheduledRun.ps1 for the data folder),
    unless -Destination and -ReportPath say otherwise.
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File Weekend-PauseAndResume.ps1 -Phase Friday -ConfigPath C:\arena\config.env -Destination D:\arena-backups
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File Weekend-PauseAndResume.ps1 -Phase Monday -ConfigPath C:\arena\config.env -Destination D:\arena-backups -SecretCsv @{ OPENAI_API_KEY = 'C:\arena\keys\openai_api_keys.csv' }
.NOTES
    Schedule both on Windows, as the user whose API key is stored (Set-ArenaApiKey):
        $script  = Join-Path (Split-Path (Get-Module ArenaInfra -ListAvailable)[0].Path) 'examples\Weekend-PauseAndResume.ps1'
        $friday  = New-ScheduledTaskAction -Execute 'pwsh.exe' -Argument "-NoProfile -NonInteractive -File `"$script`" -Phase Friday -ConfigPath C:\arena\config.env"
        $monday  = New-ScheduledTaskAction -Execute 'pwsh.exe' -Argument "-NoProfile -NonInteractive -File `"$script`" -Phase Monday -ConfigPath C:\arena\config.env"
        Register-ScheduledTask -TaskName 'Arena Friday' -Action $friday -Trigger (New-ScheduledTaskTrigger -Weekly -DaysOfWeek Friday -At 19:00) -User $env:USERNAME
        Register-ScheduledTask -TaskName 'Arena Monday' -Action $monday -Trigger (New-ScheduledTaskTrigger -Weekly -DaysOfWeek Monday -At 06:30) -User $env:USERNAME
    With cron (Linux, macOS):
        0 19 * * 5   pwsh -NoProfile -NonInteractive -File /path/to/ArenaInfra/examples/Weekend-PauseAndResume.ps1 -Phase Friday -ConfigPath ~/arena/config.env
        30 6 * * 1   pwsh -NoProfile -NonInteractive -File /path/to/ArenaInfra/examples/Weekend-PauseAndResume.ps1 -Phase Monday -ConfigPath ~/arena/config.env
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [ValidateSet('Friday', 'Monday')] [string] $Phase,
    # The fleet's config; without it, the one the module finds ($env:ARENA_CONFIG, or the user's).
    [string] $ConfigPath,
    [string] $Destination,
    # Friday's label, for the backup and the autocommit branches; Monday finds the newest backup by itself.
    [string] $Label = "weekend-$(Get-Date -Format yyyy-MM-dd)",
    # Monday: the branch label to restore the course repos from (default: the newest backup's label).
    [string] $BranchLabel,
    # Monday: secrets to set again, variable name = 'host,key' CSV path.
    [hashtable] $SecretCsv = @{},
    # Monday: the pod check; without it, the GPU check in the course's conda env.
    [string] $TestCommand,
    [string] $ReportPath,
    # Your own key for the proxy, when the config names one (SSH_PROXY_HOST).
    [string] $ProxyKeyPath
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'ScheduledRun.ps1')
Start-ArenaRun $PSCommandPath
try {
    $config = if ($ConfigPath) { Import-ArenaConfig $ConfigPath } else { Get-ArenaConfig }
    if (-not $Destination) { $Destination = Get-ArenaRunFolder 'backup' }
    if (-not $ReportPath) { $ReportPath = Join-Path (Get-ArenaRunFolder 'reports') "weekend-$Phase-$(Get-Date -Format yyyy-MM-dd).csv" }
    # -Force everywhere: a scheduled task cannot answer a prompt.

    if ($Phase -eq 'Friday') {
        $pods = @(Get-ArenaPod -Status Running)
        $saved = @($pods | Save-ArenaPodWork -Label $Label -Force -ErrorAction Continue)
        $backups = @($pods | Backup-ArenaPod -Label $Label -Destination $Destination -ErrorAction Continue)
        # Only pods whose home is safe are stopped: the stop erases it.
        $safe = @($backups | Where-Object Succeeded | ForEach-Object Name)
        $stopped = @(if ($safe) { Stop-ArenaPod -Name $safe -AllowDataLoss -Force -PassThru -ErrorAction Continue })
        $report = foreach ($pod in $pods) {
            $save = $saved | Where-Object Name -eq $pod.Name
            $backup = $backups | Where-Object Name -eq $pod.Name
            [pscustomobject]@{
                Name     = $pod.Name
                Save     = if ($save) { $save.Status } else { 'NotRun' }
                BackupOk = [bool]$backup.Succeeded
                Files    = $backup.Files
                Stopped  = [bool]($stopped | Where-Object Name -eq $pod.Name)
                Error    = (@($save.Error, $backup.Error) | Where-Object { $_ }) -join '; '
            }
        }
        $problems = @($report | Where-Object { -not $_.Stopped -or -not $_.BackupOk })
    }
    else {
        $repair = @{ BackupSource = $Destination; Secrets = $SecretCsv }
        if ($BranchLabel) { $repair.FromBranch = $BranchLabel }
        if ($TestCommand) { $repair.TestCommand = $TestCommand }
        if ($ProxyKeyPath) { $repair.ProxyKeyPath = $ProxyKeyPath }
        $stoppedPods = @(Get-ArenaPod -Status Stopped)
        # Started pods come back as pods; stuck ones come back replaced, already set up, restored and tested.
        $startedOrReplaced = @(if ($stoppedPods) { $stoppedPods | Start-ArenaPod -Force -PassThru -ReplaceIfStuck -RepairParameters $repair -ErrorAction Continue })
        $replaced = @($startedOrReplaced | Where-Object { $_ -is [ArenaInfra.ArenaPodRepairResult] })
        $started = @($startedOrReplaced | Where-Object { $_ -is [ArenaInfra.ArenaPod] } | Wait-ArenaPod -TimeoutSec 900 -ErrorAction Continue)
        $setup = @($started | Initialize-ArenaPod -Force -ErrorAction Continue)
        $ready = @($setup | Where-Object Succeeded | ForEach-Object Name)
        $restore = @{ Source = $Destination; Force = $true }
        if ($BranchLabel) { $restore.FromBranch = $BranchLabel }
        # A started pod's home is fresh: nothing on it is newer than the backup, so -Force loses nothing.
        $restored = @(if ($ready) { Restore-ArenaPod -Name $ready @restore -ErrorAction Continue })
        $secrets = @(foreach ($variable in $SecretCsv.Keys) { if ($ready) { Set-ArenaPodSecret -Name $ready -VariableName $variable -CsvPath $SecretCsv[$variable] -Force -ErrorAction Continue } })
        if ($config.ProxyHost) {
            $publish = @{ Force = $true }
            if ($ProxyKeyPath) { $publish.ProxyKeyPath = $ProxyKeyPath }
            Publish-ArenaProxyConfig @publish -ErrorAction Continue | Out-Null
        }
        $check = @{}
        if ($TestCommand) { $check.Command = $TestCommand }
        $tested = @(if ($ready) { Get-ArenaPod -Name $ready | Test-ArenaPod @check -ErrorAction Continue })
        $report = @(
            foreach ($pod in $stoppedPods) {
                $replacement = $replaced | Where-Object Name -eq $pod.Name
                $restore = $restored | Where-Object Name -eq $pod.Name
                $test = $tested | Where-Object Name -eq $pod.Name
                $secretFailed = @($secrets | Where-Object { $_.Name -eq $pod.Name -and -not $_.Succeeded })
                [pscustomobject]@{
                    Name     = $pod.Name
                    How      = if ($replacement) { 'Replaced' } elseif ($started | Where-Object Name -eq $pod.Name) { 'Started' } else { 'NotStarted' }
                    Restored = if ($replacement) { [bool]$replacement.Succeeded } else { [bool]$restore.Succeeded }
                    Files    = if ($replacement) { ($replacement.Steps | Where-Object Step -eq 'Restore').Detail } else { $restore.Files }
                    Passed   = if ($replacement) { [bool]$replacement.Succeeded } else { [bool]$test.Passed -and $secretFailed.Count -eq 0 }
                    Error    = if ($replacement) { $replacement.Error } else { (@($restore.Error, $test.Error) | Where-Object { $_ }) -join '; ' }
                }
            })
        $problems = @($report | Where-Object { -not $_.Passed -or -not $_.Restored })
    }

    $report | Export-Csv -LiteralPath $ReportPath -NoTypeInformation
    Write-Output ("{0}: {1} pods, {2} need a look; report: {3}" -f $Phase, $report.Count, $problems.Count, $ReportPath)
}
catch {
    Write-Error "The $Phase run could not go through: $($_.Exception.Message)" -ErrorAction Continue
    Stop-ArenaRun 2
}
Stop-ArenaRun ([int]($problems.Count -gt 0))
