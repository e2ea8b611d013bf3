# Get-ArenaSpend as an organiser meets it: the built module in a fresh, unattended pwsh whose output goes to a pipe.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Sandbox = Start-TestSandbox -Arguments '--start-delay-ms', '0'
    $config = Join-Path $TestDrive 'spend.env'
    Set-Content $config "MACHINE_NAME_PREFIX=camp`nMACHINE_NAME_LIST=(alpha bravo)`nRUNPOD_API_RETRY_MAX_SEC=5`nRUNPOD_API_MAX_RPS=0`n"
    $script:Env = @{ ARENA_INFRA_DATA = (Join-Path $TestDrive 'data'); RUNPOD_API_BASE_URL = $Sandbox.Url; RUNPOD_API_KEY = (Get-SandboxKey); ARENA_CONFIG = $config }
    $pod = @{ desiredStatus = 'RUNNING'; gpuCount = 1; machine = @{ gpuDisplayName = 'RTX A4000' }; runtime = $null }
    $alpha = Add-SandboxPod $Sandbox ($pod + @{ name = 'camp-alpha'; costPerHr = 0.25 })
    $null = Add-SandboxPod $Sandbox ($pod + @{ name = 'camp-bravo'; costPerHr = 0.5 })
    $null = Add-SandboxPod $Sandbox ($pod + @{ name = 'research-box'; costPerHr = 1.0 })
    $yesterday = [DateTime]::UtcNow.Date.AddDays(-1).ToString('yyyy-MM-ddT03:00:00Z')
    $body = ConvertTo-Json @(@{ podId = $alpha; time = $yesterday; amount = 4.0 }, @{ networkVolumeId = 'vol-1'; time = $yesterday; amount = 1.5 })
    $null = Invoke-RestMethod -Method Post -Uri "$($Sandbox.Url)/_sandbox/billing" -ContentType 'application/json' -Body $body
    # The sandbox builds its GraphQL schema on the first query: done here, not inside the command's time limit.
    $null = Invoke-RestMethod -Method Post -Uri "$($Sandbox.Url)/graphql" -ContentType 'application/json' -Headers @{ Authorization = "Bearer $(Get-SandboxKey)" } -Body '{"query":"query Warm { myself { clientBalance } }"}'
}

AfterAll { Stop-TestSandbox $Sandbox }

Describe 'Get-ArenaSpend' {
    It 'shows the totals in its default view, says "unknown" with a warning after GraphQL answers 410, and exits 0 with its output redirected' {
        $cases = [ordered]@{
            View = 'Get-ArenaSpend | Out-String -Width 200'
            Gone = "Invoke-RestMethod -Method Post -Uri '$($Sandbox.Url)/_sandbox/faults' -ContentType 'application/json' -Body '{`"kind`":`"status`",`"status`":410,`"operation`":`"clientBalance`",`"count`":50}' | Out-Null
                     `$r = Get-ArenaSpend -WarningVariable w -WarningAction SilentlyContinue
                     'BALANCE=' + (`$null -eq `$r.Balance); 'REASON=' + `$r.BalanceUnknownReason; 'WARNING=' + (`$w -join ' | ')
                     `$r | Out-String -Width 200"
            Redirected = "Get-ArenaSpend *> (Join-Path '$TestDrive' 'spend.txt'); 'EXIT=' + `$?"
        }

        $said = Invoke-FreshPwshCases $cases -Setup "Import-Module '$(Get-BuiltModulePath)'" -Environment $Env
        $exit = $LASTEXITCODE

        $view = $said.View -join "`n"
        $view | Should -Match 'CostNow\s*:\s*\$0\.750/h, \$18\.00/day \(2 fleet pods billing; read \d{4}-\d\d-\d\d \d\d:\d\d UTC\)'
        # Each pod's first hour (0.25, 0.5, 1.0) and alpha's 4.00; the volume's 1.50 only in the account's bill.
        $view | Should -Match 'Spent\s*:\s*\$5\.75 on pods since'
        $view | Should -Match 'Fleet\s*:\s*\$4\.75'
        $view | Should -Match 'OutsideFleet\s*:\s*\$1\.00'
        $view | Should -Match 'Account\s*:\s*\$7\.25 in all, \$1\.50 of it network volumes'
        $view | Should -Match 'Balance\s*:\s*\$100\.00'

        $said.Gone | Should -Contain 'BALANCE=True'
        ($said.Gone | Where-Object { $_ -like 'REASON=*' }) | Should -Match '410'
        ($said.Gone | Where-Object { $_ -like 'WARNING=*' }) | Should -Match 'balance is unknown.*410'
        ($said.Gone -join "`n") | Should -Match 'Balance\s*:\s*unknown'
        ($said.Gone -join "`n") | Should -Match 'Runway\s*:\s*unknown \('

        $said.Redirected | Should -Contain 'EXIT=True'
        Get-Content -Raw (Join-Path $TestDrive 'spend.txt') | Should -Match 'Runway\s*:\s*unknown'
        $exit | Should -Be 0
    }
}
