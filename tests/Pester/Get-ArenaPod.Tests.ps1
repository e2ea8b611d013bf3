# Get-ArenaPod as an organiser uses it: environment variables, the session config, tables, errors.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-BuiltModulePath) -Force
    $script:Sandbox = Start-TestSandbox -Arguments '--start-delay-ms', '0'
    $script:Key = Get-SandboxKey
    $script:Saved = @{ Key = $env:RUNPOD_API_KEY; Url = $env:RUNPOD_API_BASE_URL; Config = $env:ARENA_CONFIG }
    $env:RUNPOD_API_KEY = $Key
    $env:RUNPOD_API_BASE_URL = $Sandbox.Url
    $env:ARENA_CONFIG = $null
    $script:ConfigFile = Join-Path $TestDrive 'config.env'
    Set-Content $ConfigFile "MACHINE_NAME_PREFIX=`"camp`"`nMACHINE_NAME_LIST=(`n  `"alpha`"`n  `"bravo`"`n  `"charlie`"`n)`nRUNPOD_API_RETRY_MAX_SEC=3`n"
    Import-ArenaConfig $ConfigFile | Out-Null

    function New-Pod([string] $Name, [string] $Status = 'RUNNING', [bool] $Endpoint = $true, [int] $Port = 2201) {
        $runtime = if ($Endpoint) { @{ uptimeInSeconds = 7200; ports = @(@{ ip = '127.0.0.1'; isIpPublic = $true; privatePort = 22; publicPort = $Port; type = 'tcp' }) } } else { $null }
        Add-SandboxPod $Sandbox @{ name = $Name; desiredStatus = $Status; costPerHr = 0.17; gpuCount = 1; imageName = 'nickypro/arena-env:6.1'; machine = @{ gpuDisplayName = 'RTX A4000' }; runtime = $runtime }
    }
}

AfterAll {
    Stop-TestSandbox $Sandbox
    $env:RUNPOD_API_KEY = $Saved.Key
    $env:RUNPOD_API_BASE_URL = $Saved.Url
    $env:ARENA_CONFIG = $Saved.Config
}

Describe 'Get-ArenaPod' {
    BeforeEach {
        Reset-Sandbox $Sandbox
        New-Pod 'camp-bravo' -Port 2202 | Out-Null
        New-Pod 'camp-alpha' -Port 2201 | Out-Null
        New-Pod 'camp-charlie' -Status 'EXITED' | Out-Null
        New-Pod 'other-thing' | Out-Null
    }

    It 'lists the fleet as typed objects, sorted by name' {
        $pods = Get-ArenaPod
        $pods.Name | Should -Be @('camp-alpha', 'camp-bravo', 'camp-charlie')
        $pods[0] | Should -BeOfType ([ArenaInfra.ArenaPod])
        $pods[0].SshPort | Should -Be 2201
        $pods[0].ProxyPort | Should -Be 16000
        $pods[2].Status | Should -Be 'Stopped'
        $pods[2].SshPort | Should -BeNullOrEmpty
    }

    It 'shows a table with the columns an organiser scans' {
        $text = (Get-ArenaPod | Out-String -Width 200) -split "`n"
        $header = $text | Where-Object { $_ -match '\bName\b' } | Select-Object -First 1
        $header | Should -Match 'Name\s+Status\s+Lock\s+GPU\s+\$/hr\s+PublicIp\s+SshPort\s+Uptime\s+Health'
        ($text | Where-Object { $_ -match '^camp-alpha\s' }) | Should -Match 'camp-alpha\s+Running\s+RTX A4000\s+0\.17\s+127\.0\.0\.1\s+2201\s+2h 00m'
    }

    It 'composes with the pipeline: names in, pods out, properties by name' {
        ([pscustomobject]@{ Name = 'alpha' }, [pscustomobject]@{ Name = 'charlie' } | Get-ArenaPod).Name | Should -Be @('camp-alpha', 'camp-charlie')
        ([pscustomobject]@{ Name = 'camp-bravo' } | Get-ArenaPod).Name | Should -Be 'camp-bravo'
        (Get-ArenaPod -Status Running | Measure-Object CostPerHour -Sum).Sum | Should -Be 0.34
    }

    It 'reports a plain name that matches nothing as PodNotFound' {
        { Get-ArenaPod -Name zulu -ErrorAction Stop } | Should -Throw -ErrorId 'PodNotFound,ArenaInfra.Cmdlets.GetArenaPodCommand'
    }

    It 'sends the key only in the Authorization header, with an ArenaInfra User-Agent' {
        Get-ArenaPod | Out-Null
        $request = @(Get-SandboxRequest $Sandbox)[-1]
        $request.authorization | Should -Be "Bearer $Key"
        # The list pages: the query holds the page size, never the key.
        $request.queryString | Should -Be '?limit=1000'
        $request.body | Should -Not -Match $Key
        $request.userAgent | Should -Match '^ArenaInfra/\d+\.\d+\.\d+ \(.+; PowerShell 7\.'
    }

    It 'keeps the key out of Verbose and Debug output while it retries' {
        Add-SandboxFault $Sandbox @{ kind = 'status'; status = 503; count = 1 }
        $DebugPreference = 'Continue'
        $output = Get-ArenaPod -Verbose 4>&1 5>&1 | Out-String
        $output | Should -Match 'HTTP 503; retrying'
        $output | Should -Match 'attempt 2'
        $output | Should -Not -Match $Key
    }

    It 'stops with AuthenticationFailed on a wrong key' {
        $wrong = ConvertTo-SecureString 'definitely-wrong' -AsPlainText -Force
        { Get-ArenaPod -ApiKey $wrong } | Should -Throw -ErrorId 'AuthenticationFailed,ArenaInfra.Cmdlets.GetArenaPodCommand'
    }

    It 'stops with NetworkBlocked when the edge answers error code 1010' {
        Add-SandboxFault $Sandbox @{ kind = 'blocked1010' }
        { Get-ArenaPod } | Should -Throw -ErrorId 'NetworkBlocked,ArenaInfra.Cmdlets.GetArenaPodCommand'
    }

    It 'stops with RateLimited when RunPod keeps answering 429' {
        Add-SandboxFault $Sandbox @{ kind = 'status'; status = 429; count = 50 }
        { Get-ArenaPod } | Should -Throw -ErrorId 'RateLimited,ArenaInfra.Cmdlets.GetArenaPodCommand'
    }

    It 'stops with InvalidResponse on malformed JSON, quoting the start of the body' {
        Add-SandboxFault $Sandbox @{ kind = 'malformedJson' }
        $err = { Get-ArenaPod } | Should -Throw -ErrorId 'InvalidResponse,ArenaInfra.Cmdlets.GetArenaPodCommand' -PassThru
        $err.Exception.Message | Should -Match 'HTTP 200'
    }

    It 'stops with ApiKeyMissing, saying how to set a key, when there is none' {
        $env:RUNPOD_API_KEY = $null
        try {
            $err = { Get-ArenaPod } | Should -Throw -ErrorId 'ApiKeyMissing,ArenaInfra.Cmdlets.GetArenaPodCommand' -PassThru
            $err.ErrorDetails.RecommendedAction | Should -Match 'RUNPOD_API_KEY'
        }
        finally { $env:RUNPOD_API_KEY = $Key }
    }
}

Describe 'Configuration as a session sees it' {
    It 'reads the old scripts'' sample config.env' {
        $config = Import-ArenaConfig (Join-Path (Get-RepoRoot) 'tests/fixtures/config.env.sample') -NoDefault
        $config.Prefix | Should -Be 'camp'
        $config.MachineNames | Should -Be @('alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot')
        $config.GetSource('GpuType').Line | Should -Be 6
    }

    It 'resolves a relative path against the current location' {
        Push-Location $TestDrive
        try { (Import-ArenaConfig ./config.env -NoDefault).Path | Should -Be $ConfigFile }
        finally { Pop-Location }
    }

    It 'never shows the key: not in the default view, ToString or JSON' {
        $config = Get-ArenaConfig
        ($config | Out-String) | Should -Not -Match $Key
        ($config | Format-List * | Out-String) | Should -Not -Match $Key
        "$config" | Should -Not -Match $Key
        ($config | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue) | Should -Not -Match $Key
        $config.ApiKeySource | Should -Be '$env:RUNPOD_API_KEY'
    }

    It 'follows the documented precedence in a fresh session' {
        $named = Join-Path $TestDrive 'named.env'
        Set-Content $named 'MACHINE_NAME_PREFIX=named'
        $script = @"
Import-Module '$(Get-BuiltModulePath)'
(Get-ArenaConfig).Prefix
(Get-ArenaConfig).Origin
Import-ArenaConfig '$ConfigFile' | Out-Null
(Get-ArenaConfig).Prefix
(Get-ArenaConfig).Origin
(Get-ArenaConfig -ApiKey (ConvertTo-SecureString 'p' -AsPlainText -Force)).ApiKeySource
"@
        $lines = Invoke-FreshPwsh $script -Environment @{ ARENA_CONFIG = $named; RUNPOD_API_KEY = 'env-key' }
        $lines | Should -Be @('named', 'EnvironmentFile', 'camp', 'Session', '-ApiKey')
    }

    It 'fails, not falls back, when ARENA_CONFIG names a missing file' {
        $lines = Invoke-FreshPwsh "Import-Module '$(Get-BuiltModulePath)'; try { Get-ArenaConfig } catch { `$_.FullyQualifiedErrorId }" -Environment @{ ARENA_CONFIG = (Join-Path $TestDrive 'missing.env') }
        $lines | Should -Be 'ConfigFileNotFound,ArenaInfra.Cmdlets.GetArenaConfigCommand'
    }

    It 'rejects a malformed file with the file, line and key in the message' {
        $bad = Join-Path $TestDrive 'bad.env'
        Set-Content $bad "SSH_USER=root`nRUNPOD_CLOUD_TYPE=CHEAP"
        $err = { Import-ArenaConfig $bad -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidConfigValue,ArenaInfra.Cmdlets.ImportArenaConfigCommand' -PassThru
        $err.Exception.Message | Should -BeLike "*bad.env line 2: RUNPOD_CLOUD_TYPE*"
    }

    It 'lists each setting with its source' {
        $settings = Get-ArenaConfig -ShowSource
        ($settings | Where-Object Name -eq 'Prefix').Source.ToString() | Should -Be "${ConfigFile}:1"
        ($settings | Where-Object Name -eq 'ApiBaseUrl').Source.ToString() | Should -Be '$env:RUNPOD_API_BASE_URL'
        ($settings | Where-Object Name -eq 'SshUser').Source.ToString() | Should -Be 'default'
        ($settings | Out-String) | Should -Match 'session: '
    }
}

Describe 'Get-ArenaPod over a large account (the sandbox''s --seed-count)' {
    It 'lists every seeded pod across pages, each running with its SSH endpoint' {
        $large = Start-TestSandbox -Arguments '--seed-count', '7', '--page-size', '3', '--start-delay-ms', '0'
        $env:RUNPOD_API_BASE_URL = $large.Url
        try {
            $config = Join-Path $TestDrive 'large.env'
            Set-Content $config "MACHINE_NAME_PREFIX=arena`nMACHINE_NAME_LIST=(p00002 p00001)`nRUNPOD_API_RETRY_MAX_SEC=3`n"
            $pods = Get-ArenaPod -Config (Import-ArenaConfig $config -NoDefault)
            $pods.Name | Should -Be (1..7 | ForEach-Object { 'arena-p{0:00000}' -f $_ })
            $pods.Status | Select-Object -Unique | Should -Be 'Running'
            @($pods | Where-Object { -not $_.SshEndpoint }).Count | Should -Be 0
            $pods[0].ProxyPort | Should -Be 16001
            $pods[1].ProxyPort | Should -Be 16000
            $pods[2].ProxyPort | Should -Be 16002
            @(Get-SandboxRequest $large | Where-Object operationName -eq 'ListPods').Count | Should -Be 3
        }
        finally {
            $env:RUNPOD_API_BASE_URL = $Sandbox.Url
            Stop-TestSandbox $large
        }
    }
}
