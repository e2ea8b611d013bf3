# Living next to other modules: another version of one of our dependencies, loaded before or after us.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Sandbox = Start-TestSandbox -Arguments '--start-delay-ms', '0'
    $null = Add-SandboxPod $Sandbox @{ name = 'arena-apple'; desiredStatus = 'RUNNING' }
    $cache = ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    $script:OldPolly = Join-Path $cache 'polly.core/8.1.0/lib/netstandard2.0/Polly.Core.dll'
    $script:Env = @{ RUNPOD_API_KEY = (Get-SandboxKey); RUNPOD_API_BASE_URL = $Sandbox.Url; ARENA_CONFIG = $null }
    $script:Import = "Import-Module '$(Get-BuiltModulePath)'"
    $script:Versions = '[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq ''Polly.Core'' } | ForEach-Object { [Diagnostics.FileVersionInfo]::GetVersionInfo($_.Location).FileVersion } | Sort-Object'
}

AfterAll { Stop-TestSandbox $Sandbox }

Describe 'Another version of a dependency in the same session' {
    It 'is there (the older Polly.Core from NuGet)' {
        $OldPolly | Should -Exist
    }

    It 'loaded before ArenaInfra: ArenaInfra still imports and works' {
        # Our module assembly lives in the default context, so it binds to the copy already there
        # (same assembly version); it works with it. Full isolation here needs a second assembly.
        $lines = Invoke-FreshPwsh "Add-Type -Path '$OldPolly'; $Import; (Get-ArenaPod).Name; $Versions" -Environment $Env
        $lines[0] | Should -Be 'arena-apple'
        $lines[1] | Should -Match '^8\.1\.'
    }

    It 'loaded after ArenaInfra: the other module still loads its own, and ArenaInfra keeps its own' {
        $lines = Invoke-FreshPwsh "$Import; (Get-ArenaPod).Name; Add-Type -Path '$OldPolly'; 'loaded'; (Get-ArenaPod).Name; $Versions" -Environment $Env
        $lines[0..2] | Should -Be @('arena-apple', 'loaded', 'arena-apple')
        $copies = @($lines | Select-Object -Skip 3)
        $copies.Count | Should -Be 2
        $copies[0] | Should -Match '^8\.1\.'
        $copies[1] | Should -Not -Match '^8\.1\.'
    }
}
