# The scheduled status page example, run as a task would run it, against the sandbox.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Sandbox = Start-TestSandbox -Arguments '--start-delay-ms', '0'
    $null = Add-SandboxPod $Sandbox @{ name = 'camp-alpha'; desiredStatus = 'RUNNING'; gpuCount = 1 }
    $null = Add-SandboxPod $Sandbox @{ name = 'camp-bravo'; desiredStatus = 'EXITED'; gpuCount = 1 }
    $script:ConfigFile = Join-Path $TestDrive 'config.env'
    Set-Content $ConfigFile "MACHINE_NAME_PREFIX=camp`nMACHINE_NAME_LIST=(alpha bravo)`nRUNPOD_API_MAX_RPS=0`nRUNPOD_API_BASE_URL=$($Sandbox.Url)`n"
    $script:Data = Join-Path $TestDrive 'data'
    # The example imports the module by name, as an installed module.
    $script:Env = @{ RUNPOD_API_KEY = (Get-SandboxKey); ARENA_INFRA_DATA = $Data; PSModulePath = (Split-Path (Split-Path (Get-BuiltModulePath))) + [IO.Path]::PathSeparator + $env:PSModulePath }
}
AfterAll { Stop-TestSandbox $Sandbox }

Describe 'examples/Write-StatusPage.ps1' {
    It 'writes the page and its status for every machine and exits 0, and exits 2 with the error logged when a link stands in its way' {
        $script = Join-Path (Get-RepoRoot) 'examples/Write-StatusPage.ps1'
        $www = Join-Path $TestDrive 'www'
        $said = Invoke-FreshPwsh "& '$script' -ConfigPath '$ConfigFile' -Path '$www' -ProbeTimeoutSec 2; exit `$LASTEXITCODE" -Environment $Env
        $LASTEXITCODE | Should -Be 0
        ($said -join "`n") | Should -Match "2 machines: 1 up, 0 starting, 1 down; written to $([regex]::Escape($www))"
        $status = Get-Content -Raw (Join-Path $www 'status.json') | ConvertFrom-Json
        $status.machines.machine | Should -Be @('alpha', 'bravo')
        $status.machines.state | Should -Be @('up', 'down')
        Join-Path $www 'index.html' | Should -FileContentMatch 'Content-Security-Policy'

        if ($IsWindows) { return }
        $elsewhere = Join-Path $TestDrive 'elsewhere.json'
        Set-Content $elsewhere 'keep'
        Remove-Item (Join-Path $www 'status.json')
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $www 'status.json') -Target $elsewhere
        $null = Invoke-FreshPwsh "& '$script' -ConfigPath '$ConfigFile' -Path '$www' -ProbeTimeoutSec 2; exit `$LASTEXITCODE" -Environment $Env
        $LASTEXITCODE | Should -Be 2
        Get-Content $elsewhere | Should -Be 'keep'
        Join-Path $Data 'logs/Write-StatusPage-errors.log' | Should -FileContentMatch 'status\.json'' is a link'
    }
}
