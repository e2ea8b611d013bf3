# Running unattended: the stored key, completion, and the example scripts an admin schedules.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoSshd = [bool](Get-ToolSkipReason sshd)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Import = "Import-Module '$(Get-BuiltModulePath)'"
    $script:Data = Join-Path $TestDrive 'data'
}

Describe 'Set-ArenaApiKey' {
    BeforeAll {
        $script:Sandbox = Start-TestSandbox -Arguments '--start-delay-ms', '0'
        $null = Add-SandboxPod $Sandbox @{ name = 'arena-apple'; desiredStatus = 'RUNNING' }
        $script:Env = @{ ARENA_INFRA_DATA = $Data; RUNPOD_API_BASE_URL = $Sandbox.Url; RUNPOD_API_KEY = $null; ARENA_CONFIG = $null }
    }
    AfterAll { Stop-TestSandbox $Sandbox }

    Context 'stored, then read by a later session' {
        BeforeAll {
            $key = Get-SandboxKey
            $null = Invoke-FreshPwsh "$Import; Set-ArenaApiKey (ConvertTo-SecureString '$key' -AsPlainText -Force)" -Environment $Env
            # The later session reads the stored key, then meets an environment variable and -ApiKey that win over it.
            $said = Invoke-FreshPwshCases -Setup $Import -Environment $Env -Cases ([ordered]@{
                Stored  = '(Get-ArenaConfig).ApiKeySource; (Get-ArenaPod).Name; Get-ArenaConfig | Out-String'
                EnvWins = "`$env:RUNPOD_API_KEY = 'from-env'; (Get-ArenaConfig).ApiKeySource; (Get-ArenaConfig -ApiKey (ConvertTo-SecureString 'p' -AsPlainText -Force)).ApiKeySource"
            })
        }

        It 'stores the key for later sessions, owner-only, and says where it comes from, never what it is' {
            $file = Join-Path $Data 'runpod-api-key'
            $file | Should -Exist
            if (-not $IsWindows) { (Get-Item $file).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite') }

            $lines = $said.Stored
            $lines[0] | Should -Be "stored key ($file)"
            $lines[1] | Should -Be 'arena-apple'
            ($lines -join "`n") | Should -Not -Match $key
        }

        It 'loses to $env:RUNPOD_API_KEY and -ApiKey' {
            $said.EnvWins | Should -Be @('$env:RUNPOD_API_KEY', '-ApiKey')
        }
    }

    It 'copied from a Windows machine (DPAPI) it is a clear error a script can catch, and a key from elsewhere still wins' {
        New-Item -ItemType Directory -Force $Data | Out-Null
        Set-Content (Join-Path $Data 'runpod-api-key') "ArenaInfra RunPod API key, DPAPI CurrentUser`nAQAAANCMnd8BFdERjHoAwE/Cl+s=" -NoNewline
        $said = Invoke-FreshPwshCases -Setup $Import -Environment $Env -Cases ([ordered]@{
            Stored = "try { Get-ArenaPod -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category; `$_.ErrorDetails.RecommendedAction }"
            EnvKey = "`$env:RUNPOD_API_KEY = '$(Get-SandboxKey)'; (Get-ArenaPod).Name"
        })
        $lines = $said.Stored
        $lines[0] | Should -Be 'StoredApiKeyUnreadable,ArenaInfra.Cmdlets.GetArenaPodCommand'
        $lines[1] | Should -Be 'ReadError'
        $lines[2] | Should -Match 'Set-ArenaApiKey'

        $said.EnvKey | Should -Be 'arena-apple'
    }

    It 'is removed with -Clear, after which a command says how to set a key' {
        $lines = Invoke-FreshPwsh "$Import; Set-ArenaApiKey -Clear; try { Get-ArenaPod -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId }" -Environment $Env
        $lines | Should -Be 'ApiKeyMissing,ArenaInfra.Cmdlets.GetArenaPodCommand'
        Join-Path $Data 'runpod-api-key' | Should -Not -Exist
    }
}

Describe 'Tab completion' {
    It 'completes machine names from the config, pod names from the last listing, and GPU types' {
        $script = @"
$Import
`$null = Import-ArenaConfig '$(Join-Path (Get-RepoRoot) 'tests/fixtures/config.env.sample')'
(TabExpansion2 -inputScript 'Get-ArenaPod -Name ch' -cursorColumn 21).CompletionMatches.CompletionText
(TabExpansion2 -inputScript 'Test-ArenaPod -ExcludeName fo' -cursorColumn 29).CompletionMatches.CompletionText
(TabExpansion2 -inputScript 'New-ArenaPod -GpuType A40' -cursorColumn 25).CompletionMatches.CompletionText
(TabExpansion2 -inputScript 'New-ArenaPod -CloudType SEC' -cursorColumn 27).CompletionMatches.CompletionText
"@
        Invoke-FreshPwsh $script | Should -Be @('charlie', 'foxtrot', "'NVIDIA A40'", 'SECURE')
    }
}

Describe 'The example scripts shipped in the module' {
    It 'run from the module''s examples folder, load the module they ship in, even where PSModulePath has none' {
        $data = Join-Path $TestDrive 'shipped-data'
        $script = Join-Path (Split-Path (Get-BuiltModulePath)) 'examples/Morning-Check.ps1'
        $noModules = (New-Item -ItemType Directory (Join-Path $TestDrive 'no-modules-shipped')).FullName
        $env = @{ ARENA_INFRA_DATA = $data; PSModulePath = $noModules; RUNPOD_API_KEY = $null; ARENA_CONFIG = $null }

        $null = Invoke-FreshPwsh "& '$script' -ConfigPath '$TestDrive/absent.env'; exit `$LASTEXITCODE" -Environment $env

        $LASTEXITCODE | Should -Be 2
        $log = Get-ChildItem (Join-Path $data 'logs') -Filter 'Morning-Check-*.log' | Get-Content -Raw
        # The module loaded and read the config: the error is the missing file, not the module.
        $log | Should -Match 'absent.env'
        $log | Should -Not -Match 'cannot be loaded'
    }
}

Describe 'The example scripts an admin schedules' -Skip:$NoSshd {
    BeforeAll {
        $script:Sandbox = Start-TestSandbox -Arguments '--start-delay-ms', '0', '--sshd', 'auto'
        Copy-Item (Join-Path (Get-RepoRoot) 'tests/fixtures/keys/test_ed25519*') $TestDrive
        $script:ConfigFile = Join-Path $TestDrive 'config.env'
        Set-Content $ConfigFile "SHARED_SSH_KEY_PATH=$TestDrive/test_ed25519`nSSH_USER=$([Environment]::UserName)`nMACHINE_NAME_PREFIX=camp`nMACHINE_NAME_LIST=(alpha bravo)`nRUNPOD_API_MAX_RPS=0`nRUNPOD_API_BASE_URL=$($Sandbox.Url)`nARENA_REPO_NAME=course`nVSCODE_PREINSTALL=false`n"
        # The examples import the module by name, as an installed module.
        $script:Env = @{ RUNPOD_API_KEY = (Get-SandboxKey); ARENA_INFRA_DATA = $Data; PSModulePath = (Split-Path (Split-Path (Get-BuiltModulePath))) + [IO.Path]::PathSeparator + $env:PSModulePath }
        # Only the scripts need the fresh session a scheduler gives them: the steps around them (making,
        # stopping, starting and listing pods) run in this process, with the scripts' data folder and key.
        Import-Module (Get-BuiltModulePath) -Force
        function Invoke-Here([string] $ConfigPath, [scriptblock] $Action) {
            $saved = $env:ARENA_INFRA_DATA
            $env:ARENA_INFRA_DATA = $Data
            try { & $Action (Import-ArenaConfig $ConfigPath -NoDefault) (ConvertTo-SecureString (Get-SandboxKey) -AsPlainText -Force) }
            finally { $env:ARENA_INFRA_DATA = $saved }
        }
        Invoke-Here $ConfigFile { param($c, $k) New-ArenaPod -Count 2 -Force -Wait -Config $c -ApiKey $k | Out-Null }
    }
    AfterAll { Stop-TestSandbox $Sandbox }

    It 'the morning check writes a report and exits 0 when every pod passes, 1 when one does not' {
        $report = Join-Path $TestDrive 'morning.csv'
        $script = Join-Path (Get-RepoRoot) 'examples/Morning-Check.ps1'
        $ok = Invoke-FreshPwsh "& '$script' -ConfigPath '$ConfigFile' -ReportPath '$report' -Command true; exit `$LASTEXITCODE" -Environment $Env
        $LASTEXITCODE | Should -Be 0
        ($ok -join "`n") | Should -Match '2 of 2 pods passed'
        (Import-Csv $report).Passed | Should -Be @('True', 'True')

        $null = Invoke-FreshPwsh "& '$script' -ConfigPath '$ConfigFile' -ReportPath '$report' -Command 'test `$ARENA_POD_NAME = camp-alpha'; exit `$LASTEXITCODE" -Environment $Env
        $LASTEXITCODE | Should -Be 1
        (Import-Csv $report | Where-Object Name -eq 'camp-bravo').Stage | Should -Be 'Command'
    }

    It 'the morning check reports a pod stopped by design and does not fail the run for it' {
        $report = Join-Path $TestDrive 'morning-stopped.csv'
        $script = Join-Path (Get-RepoRoot) 'examples/Morning-Check.ps1'
        Invoke-Here $ConfigFile { param($c, $k) Stop-ArenaPod -Name bravo -Force -AllowDataLoss -Config $c -ApiKey $k | Out-Null }
        try {
            $null = Invoke-FreshPwsh "& '$script' -ConfigPath '$ConfigFile' -ReportPath '$report' -Command true; exit `$LASTEXITCODE" -Environment $Env
            $unexpected = $LASTEXITCODE
            $out = Invoke-FreshPwsh "& '$script' -ConfigPath '$ConfigFile' -ReportPath '$report' -Command true -StoppedByDesign bravo; exit `$LASTEXITCODE" -Environment $Env
            $byDesign = $LASTEXITCODE
        }
        finally {
            # The tests after this one need both pods running.
            Invoke-Here $ConfigFile { param($c, $k) Start-ArenaPod -Name bravo -Force -Config $c -ApiKey $k | Out-Null }
        }
        $unexpected | Should -Be 1
        $byDesign | Should -Be 0
        ($out -join "`n") | Should -Match '1 of 1 pods passed; stopped by design: camp-bravo; report:'
        $rows = Import-Csv $report
        ($rows | Where-Object Name -EQ 'camp-bravo').StoppedByDesign | Should -Be 'True'
        ($rows | Where-Object Name -EQ 'camp-alpha').StoppedByDesign | Should -Be 'False'
    }

    It 'the nightly idle report writes a row a pod and exits 1 only when some pod is idle' {
        $report = Join-Path $TestDrive 'idle.csv'
        $script = Join-Path (Get-RepoRoot) 'examples/Nightly-IdleReport.ps1'
        # Fresh pods: their homes just changed, so none is a candidate.
        $busy = Invoke-FreshPwsh "& '$script' -ConfigPath '$ConfigFile' -ReportPath '$report' -Hours 0.5; exit `$LASTEXITCODE" -Environment $Env
        $LASTEXITCODE | Should -Be 0
        ($busy -join "`n") | Should -Match '0 of 2 pods idle'
        (Import-Csv $report).Verdict | Should -Be @('Busy', 'Busy')

        # A pod's uptime here is this machine's: only a machine up long enough can show an idle pod.
        $up = [double]::Parse((Get-Content /proc/uptime).Split(' ')[0], [Globalization.CultureInfo]::InvariantCulture) / 3600
        if ($up -lt 0.6) { Set-ItResult -Skipped -Because 'this machine started under 36 minutes ago'; return }
        $id = Invoke-Here $ConfigFile { param($c, $k) (Get-ArenaPod -Name alpha -Config $c -ApiKey $k).Id }
        $podHome = Join-Path (Invoke-RestMethod "$($Sandbox.Url)/_sandbox/pods/$id/dir").path 'home'
        & find $podHome -exec touch -h -d '1 day ago' '{}' +
        $idle = Invoke-FreshPwsh "& '$script' -ConfigPath '$ConfigFile' -ReportPath '$report' -Hours 0.5; exit `$LASTEXITCODE" -Environment $Env
        $LASTEXITCODE | Should -Be 1
        ($idle -join "`n") | Should -Match '1 of 2 pods idle'
        $row = Import-Csv $report | Where-Object Name -EQ 'camp-alpha'
        $row.Verdict | Should -Be 'Idle'
        $row.Commands | Should -Match '^Save-ArenaPodWork -Id .*; Backup-ArenaPod -Id .*; Stop-ArenaPod -Id '
    }

    It 'a scheduled run writes to the data folder, never the working folder, keeps a transcript, and exits 2 when it cannot run' {
        $script = Join-Path (Get-RepoRoot) 'examples/Morning-Check.ps1'
        $elsewhere = New-Item -ItemType Directory (Join-Path $TestDrive 'system32')
        $reports = Join-Path $Data 'reports'
        Remove-Item -Recurse -Force (Join-Path $Data 'logs'), $reports -ErrorAction SilentlyContinue

        # As a task without "Start in": the working folder is not the script's, and no -ReportPath.
        $null = Invoke-FreshPwsh "Set-Location '$elsewhere'; & '$script' -ConfigPath '$ConfigFile' -Command true; exit `$LASTEXITCODE" -Environment $Env
        $ok = $LASTEXITCODE
        $noModule = @{} + $Env
        $noModule.PSModulePath = (New-Item -ItemType Directory (Join-Path $TestDrive 'no-modules')).FullName
        $null = Invoke-FreshPwsh "& '$script' -ConfigPath '$ConfigFile'; exit `$LASTEXITCODE" -Environment $noModule
        $withoutModule = $LASTEXITCODE
        $null = Invoke-FreshPwsh "& '$script' -ConfigPath '$TestDrive/missing.env'; exit `$LASTEXITCODE" -Environment $Env
        $withoutConfig = $LASTEXITCODE

        $ok | Should -Be 0
        Get-ChildItem $elsewhere | Should -BeNullOrEmpty
        (Get-ChildItem $reports -Filter 'morning-check-*.csv').Count | Should -Be 1
        $withoutModule | Should -Be 2
        $withoutConfig | Should -Be 2
        $logs = @(Get-ChildItem (Join-Path $Data 'logs') -Filter 'Morning-Check-*.log')
        $logs.Count | Should -Be 3
        ($logs | Get-Content -Raw) -join "`n" | Should -Match 'ArenaInfra module cannot be loaded'
        ($logs | Get-Content -Raw) -join "`n" | Should -Match 'missing.env'
    }

    It 'the evening script reports each pod and exits 1 when saving fails' {
        $report = Join-Path $TestDrive 'evening.csv'
        $script = Join-Path (Get-RepoRoot) 'examples/Evening-SaveAndBackup.ps1'
        # No course repository on the pods: saving fails, the backup works, the exit code says so.
        $null = Invoke-FreshPwsh "& '$script' -ConfigPath '$ConfigFile' -Label d1 -Destination '$TestDrive/backup' -ReportPath '$report'; exit `$LASTEXITCODE" -Environment $Env
        $LASTEXITCODE | Should -Be 1
        $rows = Import-Csv $report
        $rows.Name | Should -Be @('camp-alpha', 'camp-bravo')
        $rows.Save | Should -Be @('Failed', 'Failed')
        $rows.BackupOk | Should -Be @('True', 'True')
        Join-Path $TestDrive 'backup/d1/camp-alpha' | Should -Exist
    }

    # Last: it sets the pods up with a repository, which the evening script's test must not have.
    It 'the weekend script keeps the work on Friday, and on Monday replaces the stuck pod and brings every pod''s work back' {
        # A course repository for the pods to clone and push to.
        $origin = Join-Path $TestDrive 'origin.git'
        $seed = Join-Path $TestDrive 'seed'
        & git init -q --bare -b main $origin
        & git clone -q $origin $seed 2>$null
        Set-Content "$seed/README.md" 'course'
        & git -C $seed add README.md
        & git -C $seed -c user.name=t -c user.email=t@t commit -q -m start
        & git -C $seed push -q origin HEAD:main
        $config = Join-Path $TestDrive 'weekend.env'
        @(Get-Content $ConfigFile) + "ARENA_REPO_URL=$origin", 'GIT_SSH_KEY_REMOTE=~/.ssh/id_deploy', 'DEFAULT_BRANCH=main' | Set-Content $config
        function Get-Homes {
            $homes = @{}
            foreach ($pod in (Invoke-Here $config { param($c, $k) Get-ArenaPod -Config $c -ApiKey $k })) {
                $homes[$pod.Name] = @{ Id = $pod.Id; Home = Join-Path (Invoke-RestMethod "$($Sandbox.Url)/_sandbox/pods/$($pod.Id)/dir").path 'home' }
            }
            $homes
        }
        Invoke-Here $config { param($c, $k) Get-ArenaPod -Config $c -ApiKey $k | Initialize-ArenaPod -Force -Config $c -ApiKey $k | Out-Null }
        $friday = Get-Homes
        foreach ($name in $friday.Keys) { Set-Content (Join-Path $friday[$name].Home 'course/work.py') "$name's work" }
        $script = Join-Path (Get-RepoRoot) 'examples/Weekend-PauseAndResume.ps1'
        $backups = Join-Path $TestDrive 'weekend-backup'

        $null = Invoke-FreshPwsh "& '$script' -Phase Friday -ConfigPath '$config' -Destination '$backups' -Label w1d5 -ReportPath '$TestDrive/friday.csv'; exit `$LASTEXITCODE" -Environment $Env
        $fridayExit = $LASTEXITCODE
        # Monday: one pod's host has no free GPU.
        $null = Invoke-RestMethod -Method Post "$($Sandbox.Url)/_sandbox/faults" -ContentType 'application/json' -Body '{"kind":"noFreeGpus","count":1}'
        $null = Invoke-FreshPwsh "& '$script' -Phase Monday -ConfigPath '$config' -Destination '$backups' -BranchLabel w1d5 -TestCommand true -ReportPath '$TestDrive/monday.csv'; exit `$LASTEXITCODE" -Environment $Env
        $mondayExit = $LASTEXITCODE

        $fridayExit | Should -Be 0
        (Import-Csv "$TestDrive/friday.csv").Stopped | Should -Be @('True', 'True')
        (Import-Csv "$TestDrive/friday.csv").Save | Should -Be @('Pushed', 'Pushed')
        (Import-Csv "$TestDrive/friday.csv").Erased | Should -Be @('every file (no volume)', 'every file (no volume)')
        & git -C $origin branch --list 'autocommit-camp-w1d5-*' | ForEach-Object Trim | Should -Be @('autocommit-camp-w1d5-alpha', 'autocommit-camp-w1d5-bravo')
        $mondayExit | Should -Be 0
        $monday = Import-Csv "$TestDrive/monday.csv"
        ($monday.How | Sort-Object) | Should -Be @('Replaced', 'Started')
        $monday.Restored | Should -Be @('True', 'True')
        $monday.Passed | Should -Be @('True', 'True')
        $now = Get-Homes
        $replaced = ($monday | Where-Object How -eq 'Replaced').Name
        $now[$replaced].Id | Should -Not -Be $friday[$replaced].Id
        foreach ($name in $now.Keys) { Get-Content (Join-Path $now[$name].Home 'course/work.py') | Should -Be "$name's work" }
    }
    # After the weekend test: the pods have their repository, and the Monday run left them running.
    It 'the weekend script stops on Friday only the pods whose work is checked: one whose backup left a file out and one whose save failed keep running, are named, and the run exits 1' {
        $origin = Join-Path $TestDrive 'origin.git'
        $config = Join-Path $TestDrive 'weekend3.env'
        (Get-Content (Join-Path $TestDrive 'weekend.env')) -replace '^MACHINE_NAME_LIST=.*', 'MACHINE_NAME_LIST=(alpha bravo charlie)' | Set-Content $config
        $pods = @{}
        Invoke-Here $config {
            param($c, $k)
            New-ArenaPod -Count 3 -Force -Wait -Config $c -ApiKey $k | Out-Null
            Get-ArenaPod -Name camp-charlie -Config $c -ApiKey $k | Initialize-ArenaPod -Force -Config $c -ApiKey $k | Out-Null
            foreach ($pod in (Get-ArenaPod -Config $c -ApiKey $k)) {
                $pods[$pod.Name] = @{ Id = $pod.Id; Home = Join-Path (Invoke-RestMethod "$($Sandbox.Url)/_sandbox/pods/$($pod.Id)/dir").path 'home' }
            }
        }
        $pods.Keys.Count | Should -Be 3
        # alpha: a file no local disk can keep under its name; the backup leaves it out (and says so in Skipped).
        Set-Content -LiteralPath (Join-Path $pods['camp-alpha'].Home 'notes:v2.txt') 'only copy'
        # bravo: origin refuses its branch, so its save fails while its backup works.
        Set-Content (Join-Path $origin 'hooks/pre-receive') "#!/bin/sh`nwhile read old new ref; do case `"`$ref`" in *-bravo) echo 'refused by the test' >&2; exit 1;; esac; done`nexit 0`n"
        & chmod +x (Join-Path $origin 'hooks/pre-receive')
        Set-Content (Join-Path $pods['camp-bravo'].Home 'course/work.py') 'bravo on friday'
        $script = Join-Path (Get-RepoRoot) 'examples/Weekend-PauseAndResume.ps1'
        try {
            $output = Invoke-FreshPwsh "& '$script' -Phase Friday -ConfigPath '$config' -Destination '$TestDrive/friday2' -Label w2d5 -ReportPath '$TestDrive/friday2.csv'; exit `$LASTEXITCODE" -Environment $Env
            $fridayExit = $LASTEXITCODE
        }
        finally { Remove-Item (Join-Path $origin 'hooks/pre-receive') }
        $status = @{}
        foreach ($pod in (Invoke-Here $config { param($c, $k) Get-ArenaPod -Config $c -ApiKey $k })) { $status[$pod.Name] = "$($pod.Status)" }

        $fridayExit | Should -Be 1
        $rows = Import-Csv "$TestDrive/friday2.csv"
        $rows.Name | Should -Be @('camp-alpha', 'camp-bravo', 'camp-charlie')
        $rows.Stopped | Should -Be @('False', 'False', 'True')
        # alpha's course repo is unchanged: its day's branch is pushed all the same.
        $rows[0].Save | Should -Be 'NothingToCommit'
        & git -C $origin branch --list 'autocommit-camp-w2d5-*' | ForEach-Object Trim | Should -Be @('autocommit-camp-w2d5-alpha', 'autocommit-camp-w2d5-charlie')
        $rows[0].SkippedFiles | Should -Be '1'
        $rows[0].Error | Should -Match 'backup left out 1 file\(s\): notes:v2.txt'
        $rows[1].Save | Should -Be 'Failed'
        $rows[1].BackupOk | Should -Be 'True'
        $rows[1].Error | Should -Match 'save failed at Push'
        $rows[2].Error | Should -BeNullOrEmpty
        $status['camp-alpha'] | Should -Be 'Running'
        $status['camp-bravo'] | Should -Be 'Running'
        $status['camp-charlie'] | Should -Be 'Stopped'
        ($output -join "`n") | Should -Match 'Friday: 3 pods, 2 need a look \(camp-alpha, camp-bravo\)'
        Get-Content -LiteralPath (Join-Path $pods['camp-alpha'].Home 'notes:v2.txt') | Should -Be 'only copy'
    }
}
