<#
.SYNOPSIS
    The weekend, for two scheduled tasks: on Friday evening save every pod's work, back it up and stop
    the fleet; on Monday morning start it again, replace the pods stuck on a full host, set every pod
    up, bring the work back, set the secrets, publish the proxy config and test. Each run writes a
    CSV report and exits 1 if any pod needs a look.
.DESCRIPTION
    A stop erases each pod's container disk, where the participants' homes live by default (with a
    volume and the course repo moved onto it by Initialize-ArenaPod, the rest of the home; the
    report's Erased column says which, per pod, from Get-ArenaPod's RepoOnVolume): Friday
    keeps the work twice (an autocommit branch per pod, and a backup of each home) before stopping,
    and stops a pod only when both are checked: Save-ArenaPodWork succeeded (Pushed, or
    NothingToCommit: the day's branch is then pushed at the pod's current commit) and Backup-ArenaPod
    succeeded with nothing in Skipped or Warnings (every listed file kept, the course repo too when
    it is on the volume; the files its filters leave out by
    design, hidden folders and site-packages, are never listed). Any other pod keeps running, is
    named in the output and the report's Error column, and the run exits 1.
    On Monday the branches come back without -Force, so a branch that changed since Friday's save is
    refused (BranchChanged) rather than merged; the pod is then named in the report.
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
        # The stop erases each home, so a pod is stopped only when both copies of its work are checked:
        # its save pushed the day's branch (or had no repository commit to push), and its backup finished
        # with every listed file kept. Files the backup's filters leave out by design (hidden folders,
        # site-packages) are not listed, so they are not in Skipped; anything in Skipped is a file that
        # would be lost. Any other pod keeps running, and the report says why.
        $checked = foreach ($pod in $pods) {
            $save = @($saved | Where-Object Name -eq $pod.Name)
            $backup = @($backups | Where-Object Name -eq $pod.Name)
            $why = @(
                if ($save.Count -ne 1) { 'no save result' }
                elseif (-not $save[0].Succeeded -or "$($save[0].Status)" -notin 'Pushed', 'NothingToCommit') { "save failed at $($save[0].FailedStep) ($($save[0].ErrorId)): $($save[0].Error)" }
                if ($backup.Count -ne 1) { 'no backup result' }
                elseif (-not $backup[0].Succeeded) { "backup failed at $($backup[0].FailedStep) ($($backup[0].ErrorId)): $($backup[0].Error)" }
                elseif (@($backup[0].Warnings).Count -gt 0) { "backup is not whole: $(@($backup[0].Warnings) -join '; ')" }
                elseif (@($backup[0].Skipped).Count -gt 0) { "backup left out $(@($backup[0].Skipped).Count) file(s): $((@($backup[0].Skipped) | Select-Object -First 3 | ForEach-Object { "$_" }) -join '; ')" }
            )
            [pscustomobject]@{ Pod = $pod; Save = $save; Backup = $backup; Why = $why }
        }
        $safe = @($checked | Where-Object { $_.Why.Count -eq 0 } | ForEach-Object { $_.Pod.Name })
        $stopped = @(if ($safe) { Stop-ArenaPod -Name $safe -AllowDataLoss -Force -PassThru -ErrorAction Continue })
        $report = foreach ($pod in $checked) {
            $isStopped = [bool]($stopped | Where-Object Name -eq $pod.Pod.Name)
            $why = @($pod.Why) + @(if ($pod.Why.Count -eq 0 -and -not $isStopped) { 'the stop failed' })
            [pscustomobject]@{
                Name         = $pod.Pod.Name
                Save         = if ($pod.Save.Count -eq 1) { $pod.Save[0].Status } else { 'NotRun' }
                Branch       = if ($pod.Save.Count -eq 1) { $pod.Save[0].Branch }
                BackupOk     = $pod.Backup.Count -eq 1 -and [bool]$pod.Backup[0].Succeeded
                Files        = if ($pod.Backup.Count -eq 1) { $pod.Backup[0].Files }
                SkippedFiles = if ($pod.Backup.Count -eq 1) { @($pod.Backup[0].Skipped).Count }
                Stopped      = $isStopped
                # What the stop erased (or would have): the rest of the home when the course repo was seen on the volume.
                Erased       = if (-not $pod.Pod.VolumeSizeGB) { 'every file (no volume)' } elseif ($pod.Pod.RepoOnVolume) { "the home outside $($pod.Pod.RepoOnVolume) (the container disk)" } else { 'the whole home with the course repo (the container disk)' }
                # Why a pod was left running; empty for a stopped pod.
                Error        = $why -join ' | '
            }
        }
        $problems = @($report | Where-Object { -not $_.Stopped })
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
        # The branches first (their files are then brought up to the backup's latest state), without -Force:
        # a branch that changed since Friday's save is refused (BranchChanged), not merged.
        $branches = @(if ($ready -and $BranchLabel) { Restore-ArenaPod -Name $ready -FromBranch $BranchLabel -SkipFiles -Confirm:$false -ErrorAction Continue })
        # A started pod's home is fresh, and its checkout's files are dated at the clone, later than the work in the backup: -OverwriteNewer lets the backup win.
        $restored = @(if ($ready) { Restore-ArenaPod -Name $ready -Source $Destination -OverwriteNewer -Force -ErrorAction Continue })
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
                $branch = $branches | Where-Object Name -eq $pod.Name
                $test = $tested | Where-Object Name -eq $pod.Name
                $secretFailed = @($secrets | Where-Object { $_.Name -eq $pod.Name -and -not $_.Succeeded })
                [pscustomobject]@{
                    Name     = $pod.Name
                    How      = if ($replacement) { 'Replaced' } elseif ($started | Where-Object Name -eq $pod.Name) { 'Started' } else { 'NotStarted' }
                    Restored = if ($replacement) { [bool]$replacement.Succeeded } else { [bool]$restore.Succeeded -and (-not $BranchLabel -or [bool]$branch.Succeeded) }
                    Files    = if ($replacement) { ($replacement.Steps | Where-Object Step -eq 'Restore').Detail } else { $restore.Files }
                    Passed   = if ($replacement) { [bool]$replacement.Succeeded } else { [bool]$test.Passed -and $secretFailed.Count -eq 0 }
                    Error    = if ($replacement) { $replacement.Error } else { (@($branch.Error, $restore.Error, $test.Error) | Where-Object { $_ }) -join '; ' }
                }
            })
        $problems = @($report | Where-Object { -not $_.Passed -or -not $_.Restored })
    }

    $report | Export-Csv -LiteralPath $ReportPath -NoTypeInformation
    Write-Output ("{0}: {1} pods, {2} need a look{3}; report: {4}" -f $Phase, @($report).Count, $problems.Count, $(if ($problems) { " ($(($problems.Name) -join ', '))" }), $ReportPath)
    foreach ($problem in $problems) { Write-Output ("{0}: {1}" -f $problem.Name, $(if ($problem.Error) { $problem.Error } else { 'see the report' })) }
}
catch {
    Write-Error "The $Phase run could not go through: $($_.Exception.Message)" -ErrorAction Continue
    Stop-ArenaRun 2
}
Stop-ArenaRun ([int]($problems.Count -gt 0))
