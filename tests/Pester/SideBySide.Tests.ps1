# Living next to other modules: other versions of our libraries, loaded before or after us, as Az,
# AWS Tools or Posh-SSH would load theirs. On PowerShell 7 ArenaInfra and its libraries live in a
# load context of their own, so neither side ever binds to the other's copy.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoSshd = Get-ToolSkipReason sshd
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Sandbox = Start-TestSandbox -Arguments '--start-delay-ms', '0', '--sshd', 'auto'
    $cache = ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    $script:OldPolly = Join-Path $cache 'polly.core/8.1.0/lib/netstandard2.0/Polly.Core.dll'
    $script:OldLogging = Join-Path $cache 'microsoft.extensions.logging.abstractions/6.0.0/lib/netstandard2.0/Microsoft.Extensions.Logging.Abstractions.dll'
    $script:KeyPath = Join-Path $TestDrive 'shared_key'
    Copy-Item (Join-Path (Get-RepoRoot) 'tests/fixtures/keys/test_ed25519') $KeyPath
    Copy-Item (Join-Path (Get-RepoRoot) 'tests/fixtures/keys/test_ed25519.pub') "$KeyPath.pub"
    $configFile = Join-Path $TestDrive 'config.env'
    Set-Content $configFile "SHARED_SSH_KEY_PATH=$KeyPath`nSSH_USER=$([Environment]::UserName)`nMACHINE_NAME_PREFIX=arena`nMACHINE_NAME_LIST=(apple)`nRUNPOD_API_MAX_RPS=0`n"
    $script:Env = @{ RUNPOD_API_KEY = (Get-SandboxKey); RUNPOD_API_BASE_URL = $Sandbox.Url; ARENA_CONFIG = $configFile; ARENA_INFRA_DATA = (Join-Path $TestDrive 'data') }
    $script:Import = "Import-Module '$(Get-BuiltModulePath)'"

    # Every loaded copy of a library as '<file version> <load context>', and the copy ArenaInfra's own
    # code is bound to (through a method of ours whose signature uses a type of that library).
    $script:Copies = { param($Name) "[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq '$Name' } | ForEach-Object { 'copy ' + [Diagnostics.FileVersionInfo]::GetVersionInfo(`$_.Location).FileVersion + ' ' + [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name } | Sort-Object" }
    $script:PollyOfArenaInfra = "`$polly = (Get-Command Get-ArenaPod).ImplementingType.Assembly.GetType('ArenaInfra.RunPod.RunPodHttp', `$true).GetMethod('BuildPipeline', [Reflection.BindingFlags]'NonPublic, Instance').ReturnType.Assembly; 'bound ' + [Diagnostics.FileVersionInfo]::GetVersionInfo(`$polly.Location).FileVersion + ' ' + [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$polly).Name"
    $script:LoggingOfSshNet = "`$ssh = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Renci.SshNet' }; `$logging = `$ssh.GetType('Renci.SshNet.SshNetLoggingConfiguration', `$true).GetMethod('InitializeLogging').GetParameters()[0].ParameterType.Assembly; 'bound ' + `$logging.GetName().Version + ' ' + [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$logging).Name"
    $script:Ours = 'ArenaInfra *'
    # The fleet's one pod, made in the sandbox directly: only what the sessions below do needs a fresh pwsh.
    $null = Add-SandboxPod $Sandbox @{ name = 'arena-apple'; desiredStatus = 'RUNNING'; gpuCount = 1; env = @("PUBLIC_KEY=$((Get-Content "$KeyPath.pub").Trim())") }
}

AfterAll { Stop-TestSandbox $Sandbox }

Describe 'Another version of a library in the same session' {
    It 'is there (older releases from NuGet, as other modules ship them)' {
        $OldPolly | Should -Exist
        $OldLogging | Should -Exist
    }

    It 'loaded before ArenaInfra: ArenaInfra works, bound to its own copy, and the other copy stays as it was' {
        $lines = Invoke-FreshPwsh "Add-Type -Path '$OldPolly'; $Import; (Get-ArenaPod).Name; $PollyOfArenaInfra; $(& $Copies Polly.Core)" -Environment $Env
        $lines[0] | Should -Be 'arena-apple'
        $lines[1] | Should -BeLike "bound 8.9.* $Ours"
        $copies = @($lines | Where-Object { $_ -like 'copy *' })
        $copies.Count | Should -Be 2
        $copies[0] | Should -BeLike 'copy 8.1.* Default'
        $copies[1] | Should -BeLike "copy 8.9.* $Ours"
    }

    It 'loaded after ArenaInfra: the other module gets its own copy, and ArenaInfra keeps its own' {
        $lines = Invoke-FreshPwsh "$Import; (Get-ArenaPod).Name; Add-Type -Path '$OldPolly'; 'loaded'; (Get-ArenaPod).Name; $PollyOfArenaInfra; $(& $Copies Polly.Core)" -Environment $Env
        $lines[0..2] | Should -Be @('arena-apple', 'loaded', 'arena-apple')
        $lines[3] | Should -BeLike "bound 8.9.* $Ours"
        $copies = @($lines | Where-Object { $_ -like 'copy *' })
        $copies.Count | Should -Be 2
        $copies[0] | Should -BeLike 'copy 8.1.* Default'
        $copies[1] | Should -BeLike "copy 8.9.* $Ours"
    }

    It 'an older logging library loaded first (as Az ships it): SSH to a pod works, SSH.NET bound to our copy' -Skip:([bool]$NoSshd) {
        $lines = Invoke-FreshPwsh "Add-Type -Path '$OldLogging'; $Import; Wait-ArenaPod -All -TimeoutSec 30 | Out-Null; (Get-ArenaPod | Test-ArenaPod -Command true).Passed; $LoggingOfSshNet" -Environment $Env
        $lines[0] | Should -Be 'True'
        $lines[1] | Should -BeLike "bound 8.0.0.0 $Ours"
    }
}

Describe 'Importing again in the same session' {
    It 'Import-Module -Force, Remove-Module then Import-Module, and another runspace give all the cmdlets from the one loaded copy' {
        $count = '(Get-Command -Module ArenaInfra).Count'
        $inRunspace = "1 | ForEach-Object -Parallel { $Import; $count }"
        $lines = Invoke-FreshPwsh "$Import; $count; $Import -Force; $count; Remove-Module ArenaInfra; $count; $Import; $count; (Get-ArenaPod).Name; $inRunspace; ([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'ArenaInfra' }).Count" -Environment $Env
        $exported = "$((Import-PowerShellDataFile (Join-Path (Get-RepoRoot) 'ArenaInfra.psd1')).CmdletsToExport.Count)"
        $lines | Should -Be @($exported, $exported, '0', $exported, 'arena-apple', $exported, '1')
    }

    Context 'after a command ran' {
        BeforeAll {
            # Both read a session once a command has run; one fresh session serves them.
            $said = Invoke-FreshPwshCases -Setup $Import -Environment $Env -Cases ([ordered]@{
                Context   = "Get-ArenaPod | Out-Null; `$context = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext((Get-Command Get-ArenaPod).ImplementingType.Assembly); `$context.Name; `$context.Assemblies | ForEach-Object { `$_.GetName().Name } | Sort-Object"
                TypeNames = '(Get-ArenaPod) -is [ArenaInfra.ArenaPod]'
            })
        }

        It 'has its own context hold ArenaInfra and the libraries PowerShell does not provide, none of the runtime''s' {
            # Newtonsoft.Json and Bcl.AsyncInterfaces come with PowerShell and System.Memory and friends with .NET:
            # those are the host's types, shared by every module, and no module can load another copy of them.
            # Read once a command that uses them has run: importing loads none of them (tested below).
            $lines = $said.Context
            $lines[0] | Should -BeLike $Ours
            $lines | Select-Object -Skip 1 | Should -Be @('ArenaInfra', 'BouncyCastle.Cryptography', 'Microsoft.Bcl.TimeProvider',
                'Microsoft.Extensions.DependencyInjection.Abstractions', 'Microsoft.Extensions.Logging.Abstractions', 'Polly.Core', 'Renci.SshNet')
        }

        It 'type names resolve to the types the cmdlets emit' {
            $said.TypeNames | Should -Be 'True'
        }
    }
}

Describe 'Libraries load when a command needs them' {
    BeforeAll {
        # The heavy libraries loaded anywhere in the process, as '<name> <load context>'.
        $script:Heavy = "[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -in 'Renci.SshNet', 'BouncyCastle.Cryptography', 'Polly.Core' } | ForEach-Object { `$_.GetName().Name + ' ' + [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name } | Sort-Object"
    }

    It 'importing, and commands that need none (Get-ArenaConfig, Import-ArenaConfig), load no SSH.NET, BouncyCastle or Polly' {
        $lines = Invoke-FreshPwsh "$Import; 'imported'; $Heavy; Get-ArenaConfig | Out-Null; Get-ArenaConfig -ShowSource | Out-String | Out-Null; Import-ArenaConfig `$env:ARENA_CONFIG -NoDefault | Out-String | Out-Null; 'configured'; $Heavy" -Environment $Env
        $lines | Should -Be @('imported', 'configured')
    }

    It 'a command that calls RunPod loads them, into the module''s own context' {
        $lines = Invoke-FreshPwsh "$Import; (Get-ArenaPod).Name; $Heavy" -Environment $Env
        $lines[0] | Should -Be 'arena-apple'
        $lines | Select-Object -Skip 1 | Should -BeLike "* $Ours"
        $lines | Select-Object -Skip 1 | ForEach-Object { ($_ -split ' ')[0] } | Should -Be @('BouncyCastle.Cryptography', 'Polly.Core', 'Renci.SshNet')
    }

    It 'an SSH command after a config command has them, bound to our copies' -Skip:([bool]$NoSshd) {
        $lines = Invoke-FreshPwsh "$Import; Get-ArenaConfig | Out-Null; Wait-ArenaPod -All -TimeoutSec 30 | Out-Null; (Get-ArenaPod | Test-ArenaPod -Command true).Passed; $Heavy; $LoggingOfSshNet" -Environment $Env
        $lines[0] | Should -Be 'True'
        $lines[1..3] | ForEach-Object { ($_ -split ' ')[0] } | Should -Be @('BouncyCastle.Cryptography', 'Polly.Core', 'Renci.SshNet')
        $lines[1..3] | Should -BeLike "* $Ours"
        $lines[4] | Should -BeLike "bound 8.0.0.0 $Ours"
    }
}
