# Shared by the Pester tests: the built module, a fresh pwsh, and the RunPod sandbox process.
Set-StrictMode -Version Latest

$script:Root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:SandboxKey = 'sandbox-pester-key-93ab71'

function Get-RepoRoot { $script:Root }

function Get-BuiltModulePath {
    $path = Join-Path $script:Root 'out/ArenaInfra/ArenaInfra.psd1'
    if (-not (Test-Path $path)) { throw "Build the module first: dotnet pwsh ./build.ps1 build" }
    $path
}

function Get-SandboxKey { $script:SandboxKey }

function Get-PwshCommand {
    # A fresh pwsh like the one running the tests ('dotnet pwsh.dll' when run as a local tool).
    $exe = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { return @($exe, (Join-Path $PSHOME 'pwsh.dll')) }
    @($exe)
}

function Invoke-FreshPwsh {
    # Runs a script in a new pwsh process and returns its output lines (stdout and stderr together).
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
    $pwsh = Get-PwshCommand
    $saved = @{}
    foreach ($name in $Environment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $Environment[$name])
    }
    try {
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($Script))
        & $pwsh[0] @(@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-EncodedCommand', $encoded)) 2>&1 | ForEach-Object { "$_" }
    }
    finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
}

function Invoke-FreshPwshCases {
    # Runs several cases one after another in one new pwsh process (for cases that need a fresh,
    # non-interactive session, but not one each); returns each case's output lines by its name.
    param([Parameter(Mandatory)] [System.Collections.Specialized.OrderedDictionary] $Cases, [string] $Setup = '', [hashtable] $Environment = @{})
    $marker = '### case '
    $script = @($Setup) + @(foreach ($name in $Cases.Keys) { "'$marker$name'"; "& { $($Cases[$name]) } 2>&1 | ForEach-Object { `"`$_`" }" }) -join "`n"
    $said = [ordered]@{}
    $current = $null
    foreach ($line in Invoke-FreshPwsh $script -Environment $Environment) {
        if ($line.StartsWith($marker)) { $current = $line.Substring($marker.Length); $said[$current] = [Collections.Generic.List[string]]::new() }
        elseif ($null -ne $current) { $said[$current].Add($line) }
        else { throw "Before any case: $line" }
    }
    foreach ($name in $Cases.Keys) { if (-not $said.Contains($name)) { throw "The case '$name' did not run." } }
    $said
}

function Start-TestSandbox {
    # Starts the sandbox on a free loopback port; it stops by itself if this process dies.
    param([string[]] $Arguments = @())
    $dll = Get-ChildItem (Join-Path $script:Root 'tests/RunPodSandbox/bin') -Recurse -Filter RunPodSandbox.dll -ErrorAction SilentlyContinue |
        Where-Object { $_.Directory.Name -eq 'net10.0' } | Sort-Object LastWriteTime -Descending | Select-Object -First 1
    if (-not $dll) { throw 'Build the sandbox first (build.ps1 test does).' }
    $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($dll.FullName, '--port', '0', '--api-key', $script:SandboxKey, '--parent-pid', "$PID", '--exit-on-stdin-close') + $Arguments) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.RedirectStandardInput = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    $null = $process.StandardError.ReadToEndAsync()
    $line = $process.StandardOutput.ReadLineAsync()
    if (-not $line.Wait(30000) -or $line.Result -notmatch '(http://[0-9.:]+)') {
        if (-not $process.HasExited) { $process.Kill() }
        throw "The sandbox did not start: $($line.Result) $($process.StandardError.ReadToEnd())"
    }
    [pscustomobject]@{ Url = $Matches[1]; Process = $process }
}

function Stop-TestSandbox {
    param([Parameter(Mandatory)] $Sandbox)
    # Closing its input asks the sandbox to stop its sshd processes and exit; killing it (only the
    # process we started, by its PID) is the fallback.
    if (-not $Sandbox.Process.HasExited) {
        $Sandbox.Process.StandardInput.Close()
        if (-not $Sandbox.Process.WaitForExit(10000)) { $Sandbox.Process.Kill() }
    }
    $null = $Sandbox.Process.WaitForExit(5000)
}

function Add-SandboxFault {
    param([Parameter(Mandatory)] $Sandbox, [Parameter(Mandatory)] [hashtable] $Fault)
    $null = Invoke-RestMethod -Method Post -Uri "$($Sandbox.Url)/_sandbox/faults" -ContentType 'application/json' -Body ($Fault | ConvertTo-Json)
}

function Add-SandboxPod {
    param([Parameter(Mandatory)] $Sandbox, [Parameter(Mandatory)] [hashtable] $Pod)
    (Invoke-RestMethod -Method Post -Uri "$($Sandbox.Url)/_sandbox/pods" -ContentType 'application/json' -Body ($Pod | ConvertTo-Json -Depth 6)).id
}

function Reset-Sandbox {
    param([Parameter(Mandatory)] $Sandbox)
    foreach ($what in 'faults', 'requests', 'pods', 'account') { $null = Invoke-RestMethod -Method Delete -Uri "$($Sandbox.Url)/_sandbox/$what" }
}

function Get-SandboxRequest {
    param([Parameter(Mandatory)] $Sandbox)
    # Invoke-RestMethod returns a JSON array as one object; emit its entries one by one.
    $requests = Invoke-RestMethod -Uri "$($Sandbox.Url)/_sandbox/requests"
    $requests
}

function Get-ToolSkipReason {
    # Why a test that needs an outside tool cannot run here; under CI a missing tool is a failure instead.
    param([Parameter(Mandatory)] [string] $Tool)
    $found = Get-Command $Tool -ErrorAction SilentlyContinue
    if (-not $found -and $Tool -in 'sshd', 'nginx') { $found = Get-Item "/usr/sbin/$Tool" -ErrorAction SilentlyContinue }
    if ($found) { return }
    if ($env:CI -eq 'true') { throw "$Tool is required under CI=true but is not installed (.ci/run installs it)." }
    "$Tool is not installed on this machine"
}

Export-ModuleMember -Function *
