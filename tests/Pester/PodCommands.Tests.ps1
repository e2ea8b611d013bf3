# Pod commands that cannot surprise: each row of what a new user typed, run as they would run it,
# in a fresh non-interactive pwsh against the sandbox, asserting on what RunPod was asked to do.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoSshd = [bool](Get-ToolSkipReason sshd)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Sandbox = Start-TestSandbox -Arguments '--start-delay-ms', '0', '--sshd', 'auto'
    Copy-Item (Join-Path (Get-RepoRoot) 'tests/fixtures/keys/test_ed25519*') $TestDrive
    $script:ConfigFile = Join-Path $TestDrive 'config.env'
    Set-Content $ConfigFile "SHARED_SSH_KEY_PATH=$TestDrive/test_ed25519`nSSH_USER=$([Environment]::UserName)`nMACHINE_NAME_PREFIX=camp`nMACHINE_NAME_LIST=(alpha bravo charlie)`nRUNPOD_API_MAX_RPS=0`nVSCODE_PREINSTALL=false`n"
    $script:Env = @{ RUNPOD_API_KEY = (Get-SandboxKey); RUNPOD_API_BASE_URL = $Sandbox.Url; ARENA_CONFIG = $ConfigFile; ARENA_INFRA_DATA = (Join-Path $TestDrive 'data') }
    $script:Import = "Import-Module '$(Get-BuiltModulePath)'"
    $script:EmptyCsv = Join-Path $TestDrive 'empty.csv'
    $script:PublicKey = (Get-Content "$TestDrive/test_ed25519.pub").Trim()
    Set-Content $EmptyCsv 'Name'

    function Add-Fleet([string] $Status = 'RUNNING', [int] $VolumeGb = 5, [string[]] $Exited = @()) {
        Reset-Sandbox $Sandbox
        foreach ($name in 'camp-alpha', 'camp-bravo', 'camp-charlie') {
            $podStatus = if ($name -in $Exited) { 'EXITED' } else { $Status }
            $null = Add-SandboxPod $Sandbox @{ name = $name; desiredStatus = $podStatus; gpuCount = 1; volumeInGb = $VolumeGb; env = @("PUBLIC_KEY=$PublicKey") }
        }
        $null = Invoke-RestMethod -Method Delete -Uri "$($Sandbox.Url)/_sandbox/requests"
    }
    function Get-Changes {
        # What RunPod was asked to change: stops, resumes and terminations.
        @(Get-SandboxRequest $Sandbox | Where-Object { $_.operationName -in 'StopPod', 'ResumePod', 'TerminatePod' })
    }
}

AfterAll { Stop-TestSandbox $Sandbox }

Describe 'Pod commands given nothing do nothing' {
    It 'removes nothing when every pod passed the check and nothing reaches Remove-ArenaPod' -Skip:$NoSshd {
        Add-Fleet
        # The same session then lists the fleet afresh from RunPod: every pod is still there.
        $lines = Invoke-FreshPwsh "$Import; Get-ArenaPod | Test-ArenaPod -Command true | Where-Object { -not `$_.Passed } | Remove-ArenaPod -Force; 'done'; (Get-ArenaPod).Name" -Environment $Env
        $lines | Should -Be @('done', 'camp-alpha', 'camp-bravo', 'camp-charlie')
        Get-Changes | Should -BeNullOrEmpty
    }

    Context 'one session after another' {
        BeforeAll {
            # Each case changes nothing, so one fleet and one fresh session serve them all.
            Add-Fleet
            $said = Invoke-FreshPwshCases -Setup $Import -Environment $Env -Cases ([ordered]@{
                StatusStopped = "Get-ArenaPod -Status Stopped | Stop-ArenaPod -Force; 'done'"
                Empty = "@() | Remove-ArenaPod -Force; Import-Csv '$EmptyCsv' | Stop-ArenaPod -Force; 'done'"
                WrongType = "Get-ArenaConfig | Remove-ArenaPod -Force -WhatIf 2>&1 | ForEach-Object { `$_.FullyQualifiedErrorId }; 'done'"
                WholeFleet = "try { Stop-ArenaPod -Force } catch { `$_.FullyQualifiedErrorId; `$_.ErrorDetails.RecommendedAction }"
            })
            $changes = Get-Changes
        }

        It 'stops nothing when no pod is stopped: Get-ArenaPod -Status Stopped | Stop-ArenaPod -Force' {
            $said.StatusStopped | Should -Be 'done'
            $changes | Should -BeNullOrEmpty
        }

        It 'touches nothing for an empty array or an empty CSV' {
            $said.Empty | Should -Be 'done'
            $changes | Should -BeNullOrEmpty
        }

        It 'gives a binding error for a piped object of the wrong type, and nothing else' {
            $lines = $said.WrongType
            $lines[0] | Should -Match '^InputObjectNotBound'
            $lines[-1] | Should -Be 'done'
            ($lines -join "`n") | Should -Not -Match 'What if'
            $changes | Should -BeNullOrEmpty
        }

        It 'refuses to choose the whole fleet for a command that changes pods, and says how to choose' {
            $lines = $said.WholeFleet
            $lines[0] | Should -Be 'SelectionRequired,ArenaInfra.Cmdlets.StopArenaPodCommand'
            $lines[1] | Should -Match '-Name \*'
            $changes | Should -BeNullOrEmpty
        }
    }
}

# The running alpha for the commands that work on a running pod, the stopped charlie for the others.
# Given as the block's data, the list is there both when the tests are found and when they run.
Describe 'Confirmation as the README says' -ForEach @{ Asking = @(
        @{ Command = 'Stop-ArenaPod -Name alpha -AllowDataLoss' }
        @{ Command = 'Start-ArenaPod -Name charlie' }
        @{ Command = 'Save-ArenaPodWork -Name alpha -Label d1' }
        @{ Command = 'Initialize-ArenaPod -Name alpha' }
        @{ Command = 'Set-ArenaPodSecret -Name alpha -VariableName X -Value (ConvertTo-SecureString v -AsPlainText -Force)' }
    ) } {
    BeforeAll {
        # Every command is refused, so one fleet and one fresh session serve them all.
        Add-Fleet -Exited 'camp-charlie'
        $cases = [ordered]@{}
        foreach ($command in @($Asking.Command) + 'Remove-ArenaPod -Name charlie -Force -Confirm') { $cases[$command] = "try { $command } catch { `$_.FullyQualifiedErrorId }" }
        $said = Invoke-FreshPwshCases -Setup $Import -Environment $Env -Cases $cases
        $changes = Get-Changes
    }

    It 'asks before <Command>, so a session that cannot answer gets ConfirmationRequired' -ForEach $Asking {
        $said[$Command] | Should -Match '^ConfirmationRequired,'
        $changes | Should -BeNullOrEmpty
    }

    It 'asks before preparing a proxy, so an unattended run without -Force fails before connecting' {
        $proxyConfig = Join-Path $TestDrive 'proxy.env'
        Set-Content $proxyConfig ((Get-Content -Raw $ConfigFile) + "SSH_PROXY_HOST=127.0.0.1`nSSH_PROXY_SSH_PORT=9`n")
        $env2 = $Env.Clone(); $env2.ARENA_CONFIG = $proxyConfig
        $lines = Invoke-FreshPwsh "$Import; try { Initialize-ArenaProxy -SkipInstall } catch { `$_.FullyQualifiedErrorId }" -Environment $env2
        $lines | Should -Be 'ConfirmationRequired,ArenaInfra.Cmdlets.InitializeArenaProxyCommand'
    }

    It 'asks with an explicit -Confirm even when -Force is given' {
        $said['Remove-ArenaPod -Name charlie -Force -Confirm'] | Should -Be 'ConfirmationRequired,ArenaInfra.Cmdlets.RemoveArenaPodCommand'
        $changes | Should -BeNullOrEmpty
    }
}

Describe 'Set-ArenaPodSecret chooses pods like every pod command' -Skip:$NoSshd {
    BeforeAll {
        Add-Fleet
        $said = Invoke-FreshPwshCases -Setup $Import -Environment $Env -Cases ([ordered]@{
            Pipeline = "`$v = ConvertTo-SecureString 'sk-1' -AsPlainText -Force; (Get-ArenaPod -Name alpha, bravo | Set-ArenaPodSecret -VariableName OPENAI_API_KEY -Value `$v -Force) | Sort-Object Name | ForEach-Object { `"`$(`$_.Name) `$(`$_.Succeeded)`" }"
            Name = "`$v = ConvertTo-SecureString 'sk-2' -AsPlainText -Force; (Set-ArenaPodSecret -Name charlie -VariableName OPENAI_API_KEY -Value `$v -Force).Name"
            LineBreak = "`$v = ConvertTo-SecureString ('sk-1' + [char]10 + 'export EVIL=1') -AsPlainText -Force; try { Set-ArenaPodSecret -Name alpha -VariableName OPENAI_API_KEY -Value `$v -Force } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }"
            NoValue = "try { Set-ArenaPodSecret -Name charlie -VariableName OPENAI_API_KEY -Force } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }"
        })
    }

    It 'takes pods from the pipeline' {
        $said.Pipeline | Should -Be @('camp-alpha True', 'camp-bravo True')
    }

    It 'takes -Name with -Value' {
        $said.Name | Should -Be 'camp-charlie'
    }

    It 'refuses a value with a line break before any pod is touched' {
        $lines = $said.LineBreak
        $lines[0] | Should -Be 'InvalidArgument,ArenaInfra.Cmdlets.SetArenaPodSecretCommand'
        $lines[1] | Should -Match 'line break'
        ($lines -join ' ') | Should -Not -Match 'EVIL'
    }

    It 'says what is missing when there is no value' {
        $lines = $said.NoValue
        $lines[0] | Should -Be 'InvalidArgument,ArenaInfra.Cmdlets.SetArenaPodSecretCommand'
        $lines[1] | Should -Match '-Value'
    }
}

Describe 'A positional name is a pod' -Skip:$NoSshd {
    It 'Test-ArenaPod camp-alpha tests the pod camp-alpha' {
        Add-Fleet
        $lines = Invoke-FreshPwsh "$Import; Test-ArenaPod camp-alpha -Command true | ForEach-Object { `"`$(`$_.Name) `$(`$_.Passed)`" }" -Environment $Env
        $lines | Should -Be 'camp-alpha True'
    }
}

# That a pod without a volume is not stopped without -AllowDataLoss (DataLossNotAllowed) is
# ConfirmationTests' in xunit; here is what a user reads before it happens.
Describe 'Stop tells the truth about the container disk' {
    BeforeAll {
        Add-Fleet -VolumeGb 0
        $said = Invoke-FreshPwshCases -Setup $Import -Environment $Env -Cases ([ordered]@{
            WhatIf = 'Stop-ArenaPod -Name alpha, bravo -WhatIf'
            Help = 'Get-Help Stop-ArenaPod -Full | Out-String -Width 200; Get-Help about_ArenaInfra | Out-String -Width 200'
        })
    }

    It 'says so in -WhatIf, naming the pods without a volume' {
        ($said.WhatIf -join ' ') | Should -Match 'erases each pod.s container disk'
        ($said.WhatIf -join ' ') | Should -Match 'No volume at all.*camp-alpha, camp-bravo'
    }

    It 'says so in the help and the about topic, and never that disks are kept' {
        $text = $said.Help -join "`n"
        $text | Should -Match 'erases each pod.s container disk'
        $text | Should -Match '-AllowDataLoss'
        $text | Should -Not -Match 'disks? (are )?kept'
        $text | Should -Match 'Save-ArenaPodWork \* w1d5'
    }
}

Describe 'A repository name is never run as a command on the pods' -Skip:$NoSshd {
    It 'quotes a hostile ARENA_REPO_NAME wherever it goes' {
        Add-Fleet
        $marker = Join-Path ([IO.Path]::GetTempPath()) ('arena-pwned-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $hostile = Join-Path $TestDrive 'hostile.env'
        Set-Content $hostile ((Get-Content -Raw $ConfigFile) + "ARENA_REPO_NAME='x`$(touch $marker)'`n")
        $env2 = $Env.Clone(); $env2.ARENA_CONFIG = $hostile
        $lines = Invoke-FreshPwsh "$Import; Save-ArenaPodWork -Name alpha -Label d1 -Force | ForEach-Object { `$_.FailedStep; `$_.Error }" -Environment $env2
        $lines[0] | Should -Be 'Repository'
        $marker | Should -Not -Exist
    }
}
