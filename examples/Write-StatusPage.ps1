<#
.SYNOPSIS
    The participants' status page, for a scheduled task every few minutes: writes index.html and status.json into a folder a web server serves.
.DESCRIPTION
    Runs Export-ArenaStatusPage for every fleet machine: up (its SSH server answered), starting or
    down, with the last deep check's verdict and its age. Nothing else is written: no address, port,
    pod id, cost or key. The page says "Stale" when the status is more than 10 minutes old, so a
    schedule every 5 minutes keeps it fresh and a stopped schedule shows.
    Exit codes: 0 the page was written, 2 it could not be (no module, no config, no API key, a folder
    that cannot be written or is a link). It keeps no transcript (it runs hundreds of times a day):
    a failed run appends its error to <data>\logs\Write-StatusPage-errors.log (see ScheduledRun.ps1
    for the data folder).
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File Write-StatusPage.ps1 -ConfigPath ~/arena/config.env -Path /var/www/html/arena
.NOTES
    Serve the folder with any web server (nginx: a location with 'root' or 'alias' on it); the files
    are readable by everyone, as a server running as another user needs.
    Schedule it on Windows, as the user whose API key is stored (Set-ArenaApiKey), every 5 minutes:
        $script  = Join-Path (Split-Path (Get-Module ArenaInfra -ListAvailable)[0].Path) 'examples\Write-StatusPage.ps1'
        $action  = New-ScheduledTaskAction -Execute 'pwsh.exe' -Argument "-NoProfile -NonInteractive -File `"$script`" -ConfigPath C:\arena\config.env -Path C:\inetpub\wwwroot\arena"
        $trigger = New-ScheduledTaskTrigger -Once -At (Get-Date) -RepetitionInterval (New-TimeSpan -Minutes 5)
        Register-ScheduledTask -TaskName 'Arena status page' -Action $action -Trigger $trigger -User $env:USERNAME
    With cron (Linux, macOS), every 5 minutes:
        */5 * * * *  pwsh -NoProfile -NonInteractive -File /path/to/ArenaInfra/examples/Write-StatusPage.ps1 -ConfigPath ~/arena/config.env -Path /var/www/html/arena
#>
[CmdletBinding()]
param(
    # The fleet's config; without it, the one the module finds ($env:ARENA_CONFIG, or the user's).
    [string] $ConfigPath,
    # The folder the web server serves.
    [Parameter(Mandatory)]
    [string] $Path,
    # How long each machine's SSH server has to answer.
    [ValidateRange(1, 30)]
    [int] $ProbeTimeoutSec = 5
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'ScheduledRun.ps1')
try {
    Import-Module ArenaInfra
    if ($ConfigPath) { $null = Import-ArenaConfig $ConfigPath }
    # -Confirm:$false: nobody is there to answer, whatever $ConfirmPreference says.
    $page = Export-ArenaStatusPage -Path $Path -ProbeTimeoutSec $ProbeTimeoutSec -Confirm:$false -ErrorAction Continue
    if (-not $page) { throw "No status page was written to '$Path'." }
    Write-Output ("{0} machines: {1} up, {2} starting, {3} down; written to {4}" -f $page.Machines, $page.Up, $page.Starting, $page.Down, $page.Path)
}
catch {
    $message = "$(Get-Date -Format o) The status page could not be written: $($_.Exception.Message)"
    Write-Error $message -ErrorAction Continue
    try { Add-Content -LiteralPath (Join-Path (Get-ArenaRunFolder 'logs') 'Write-StatusPage-errors.log') -Value $message } catch { }
    exit 2
}
exit 0
