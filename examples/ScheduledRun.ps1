<#
.SYNOPSIS
    What every example script needs to run unattended; each dot-sources this file.
.DESCRIPTION
    A scheduled task may start in C:\Windows\System32, with no profile and nobody to read its
    screen. So a run:
      - keeps what it writes in the data folder, never in the working folder: $env:ARENA_INFRA_DATA,
        else %LOCALAPPDATA%\ArenaInfra on Windows and ~/.local/share/arena-infra elsewhere (the
        folder the module keeps its host keys in); reports in <data>\reports, backups in <data>\backup;
      - writes a transcript of itself to <data>\logs\<script>-<date>-<time>-<process id>.log;
      - loads the module it ships in when run from <module>/examples, else the installed one;
      - ends with an exit code a scheduler can tell apart:
          0  every pod is fine
          1  the run went through, and some pod needs a look (the report says which)
          2  the run could not go through: no ArenaInfra module, no config, no API key, ...
#>

function Get-ArenaRunFolder([string] $Name) {
    $data = if ($env:ARENA_INFRA_DATA) { $env:ARENA_INFRA_DATA }
    elseif ([IO.Path]::DirectorySeparatorChar -eq '\') { Join-Path $env:LOCALAPPDATA 'ArenaInfra' }
    elseif ($env:XDG_DATA_HOME) { Join-Path $env:XDG_DATA_HOME 'arena-infra' }
    else { Join-Path $HOME '.local/share/arena-infra' }
    $folder = Join-Path $data $Name
    if (-not (Test-Path -LiteralPath $folder)) { $null = New-Item -ItemType Directory -Path $folder -Force }
    $folder
}

# Starts the run: the transcript, then the module. A run without the module cannot go through: 2.
function Start-ArenaRun([string] $Script) {
    # The process id too: two runs in one second (a retry, a second task) each keep their own log.
    $stamp = Get-Date -Format 'yyyy-MM-dd-HHmmss'
    $log = Join-Path (Get-ArenaRunFolder 'logs') ("{0}-{1}-{2}.log" -f [IO.Path]::GetFileNameWithoutExtension($Script), $stamp, $PID)
    $null = Start-Transcript -LiteralPath $log
    try {
        # Shipped in the module (<module>/examples), a run loads the module it came with, wherever that
        # is installed; from the repository (no ArenaInfra.dll above), the one PSModulePath finds.
        $module = Split-Path $PSScriptRoot
        if (Test-Path -LiteralPath (Join-Path $module 'ArenaInfra.dll')) { Import-Module (Join-Path $module 'ArenaInfra.psd1') -ErrorAction Stop }
        else { Import-Module ArenaInfra -ErrorAction Stop }
    }
    catch {
        Write-Error "The ArenaInfra module cannot be loaded ($($_.Exception.Message)). Install it for the user the task runs as (Install-PSResource ArenaInfra -Scope CurrentUser), or add its folder to PSModulePath." -ErrorAction Continue
        Stop-ArenaRun 2
    }
}

# Ends the run with its exit code, after the transcript is closed.
function Stop-ArenaRun([int] $Code) {
    try { $null = Stop-Transcript } catch { }
    exit $Code
}
