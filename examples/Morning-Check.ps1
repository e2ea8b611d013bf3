<#
.SYNOPSIS
    The morning check, for a scheduled task: test every pod, write a CSV report, and exit 1 if any pod failed.
.EXAMPLE
    pwsh -NoProfile -File Morning-Check.ps1 -ConfigPath C:\arena\config.env -ReportPath C:\arena\reports\morning.csv
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ConfigPath,
    [string] $ReportPath = "./morning-check-$(Get-Date -Format yyyy-MM-dd).csv",
    # Without -Command, the GPU check runs in the course's conda env.
    [string] $Command
)
$ErrorActionPreference = 'Stop'
Import-Module ArenaInfra
$null = Import-ArenaConfig $ConfigPath

$check = @{ }
if ($Command) { $check.Command = $Command }
$results = @(Get-ArenaPod | Test-ArenaPod @check -ErrorAction Continue)
$results | Select-Object Name, Passed, Stage, Error, TorchVersion, GpuName, @{ n = 'Seconds'; e = { [math]::Round($_.Duration.TotalSeconds, 1) } } |
    Export-Csv -LiteralPath $ReportPath -NoTypeInformation

$failed = @($results | Where-Object { -not $_.Passed })
Write-Output ("{0} of {1} pods passed; report: {2}" -f ($results.Count - $failed.Count), $results.Count, $ReportPath)
exit ([int]($failed.Count -gt 0))
