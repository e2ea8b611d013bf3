# The docs' examples run as written, in a fresh non-interactive pwsh, against pods whose SSH sessions
# carry what a RunPod pod's carry and nothing of the sandbox's own (--runpod-env): an example that
# leans on a variable only the sandbox sets shows up here as the wrong value on the pods.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:NoSshd = [bool](Get-ToolSkipReason sshd)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (Get-ToolSkipReason sshd) { return }
    $script:Sandbox = Start-TestSandbox -Arguments '--start-delay-ms', '0', '--sshd', 'auto', '--runpod-env'
    Copy-Item (Join-Path (Get-RepoRoot) 'tests/fixtures/keys/test_ed25519*') $TestDrive
    $script:ConfigFile = Join-Path $TestDrive 'config.env'
    Set-Content $ConfigFile "SHARED_SSH_KEY_PATH=$TestDrive/test_ed25519`nSSH_USER=$([Environment]::UserName)`nMACHINE_NAME_PREFIX=camp`nMACHINE_NAME_LIST=(alpha bravo charlie)`nRUNPOD_API_MAX_RPS=0`nVSCODE_PREINSTALL=false`n"
    $script:Env = @{ RUNPOD_API_KEY = (Get-SandboxKey); RUNPOD_API_BASE_URL = $Sandbox.Url; ARENA_CONFIG = $ConfigFile; ARENA_INFRA_DATA = (Join-Path $TestDrive 'data') }
    $script:Import = "Import-Module '$(Get-BuiltModulePath)'"
    $script:PublicKey = (Get-Content "$TestDrive/test_ed25519.pub").Trim()
    $script:Root = Get-RepoRoot

    function Get-DocSnippet {
        # Every example as the reader sees it: the help pages' example blocks, the README's code
        # blocks and PS> lines, and the about topic's indented command lines; with where each is from.
        foreach ($page in Get-ChildItem (Join-Path $Root 'docs') -Filter '*.md') {
            $text = Get-Content $page.FullName -Raw
            $examples = ($text -split '(?m)^## ')[1..99] | Where-Object { $_.StartsWith('EXAMPLES') }
            foreach ($block in [regex]::Matches("$examples", '(?s)```powershell\r?\n(.*?)```')) { [pscustomobject]@{ From = $page.Name; Code = $block.Groups[1].Value.Trim() } }
        }
        $inFence = $false
        foreach ($line in Get-Content (Join-Path $Root 'README.md')) {
            if ($line -match '^```') { $inFence = -not $inFence; continue }
            if ($line -match '^PS> (.+)$') { [pscustomobject]@{ From = 'README.md'; Code = $Matches[1] } }
            elseif ($inFence) { [pscustomobject]@{ From = 'README.md'; Code = $line } }
        }
        foreach ($line in Get-Content (Join-Path $Root 'docs/about/about_ArenaInfra.help.txt')) {
            if ($line -match '^\s{6,}(\$\w+ = )?((Get|Invoke|Test|Initialize)-Arena.*?)(\s{2,}#.*)?$') { [pscustomobject]@{ From = 'about_ArenaInfra'; Code = $line.Trim() -replace '\s{2,}#.*$', '' } }
        }
    }

    function Add-Fleet([hashtable[]] $Pods) {
        Reset-Sandbox $Sandbox
        $ids = @{}
        foreach ($pod in $Pods) { $ids[$pod.name] = Add-SandboxPod $Sandbox $pod }
        $null = Invoke-RestMethod -Method Delete -Uri "$($Sandbox.Url)/_sandbox/requests"
        $ids
    }
}

AfterAll { if ($Sandbox) { Stop-TestSandbox $Sandbox } }

Describe 'The examples, on pods like RunPod''s' {
    It 'name no variable only the sandbox sets' {
        # ARCHITECTURE.md describes the sandbox itself, and names them to say RunPod has neither.
        $files = @(Get-ChildItem (Join-Path $Root 'docs') -Recurse -File | Where-Object Name -ne 'ARCHITECTURE.md') + @(Get-ChildItem (Join-Path $Root 'demo'), (Join-Path $Root 'examples') -File) + @(Get-Item (Join-Path $Root 'README.md'))
        $files | Select-String 'ARENA_POD_NAME|ARENA_POD_ID' | ForEach-Object { "$($_.Filename):$($_.LineNumber)" } | Should -BeNullOrEmpty
    }

    It 'run every example that sends a command to the pods, and write what they say they write' -Skip:$NoSshd {
        $null = Add-Fleet @(foreach ($name in 'camp-alpha', 'camp-bravo', 'camp-charlie') { @{ name = $name; desiredStatus = 'RUNNING'; gpuCount = 1; env = @("PUBLIC_KEY=$PublicKey") } })
        # A command sent to the pods: what can lean on a pod's environment. Left out: a script on the
        # organiser's machine (./setup.sh), /workspace, where the sandbox can mount nothing, and the
        # roster's checks, which need a roster (RosterTests run them).
        $runnable = @(Get-DocSnippet | Where-Object { $_.Code -match 'Invoke-ArenaPodCommand|Test-ArenaPod.*-Command ' -and $_.Code -notmatch '\./setup\.sh|/workspace|-AsRoster' })
        $runnable.Count | Should -BeGreaterOrEqual 3
        $cases = [ordered]@{}
        foreach ($snippet in $runnable) {
            $cases["$($cases.Count) $($snippet.From)"] = "@(& { $($snippet.Code) }) | Where-Object { `$_ -is [ArenaInfra.ArenaPodOperationResult] } | ForEach-Object { '{0} {1} {2}' -f `$_.Name, `$_.Succeeded, `$(if (`$_ -is [ArenaInfra.ArenaCommandResult]) { `$_.StdOut.Trim() -replace '\s+', ' ' }) }"
        }
        $cases['names'] = "Invoke-ArenaPodCommand * 'cat ~/.name; echo `"[`$ARENA_POD_NAME]`"' | ForEach-Object { '{0} {1}' -f `$_.Name, (`$_.StdOut.Trim() -replace '\s+', ' ') }"
        $said = Invoke-FreshPwshCases -Setup $Import -Environment $Env -Cases $cases

        foreach ($name in @($cases.Keys | Where-Object { $_ -ne 'names' })) {
            $lines = @($said[$name])
            $lines.Count | Should -BeGreaterOrEqual 1 -Because "$name gives a result per pod: $($lines -join ' | ')"
            $lines | Where-Object { $_ -notmatch '^camp-\w+ True' } | Should -BeNullOrEmpty -Because "every pod does $name"
        }
        # The set-up's Name step wrote each pod's own machine name, and the pods carry no sandbox variable.
        $said['names'] | Sort-Object | Should -Be @('camp-alpha MACHINE_NAME=alpha []', 'camp-bravo MACHINE_NAME=bravo []', 'camp-charlie MACHINE_NAME=charlie []')
    }

    It 'replace, in the repair one-liners as written, only the broken pod and not the stopped one' -Skip:$NoSshd {
        $ids = Add-Fleet @(
            @{ name = 'camp-alpha'; desiredStatus = 'RUNNING'; gpuCount = 1; env = @("PUBLIC_KEY=$PublicKey") }
            @{ name = 'camp-bravo'; desiredStatus = 'RUNNING'; gpuCount = 1; env = @("PUBLIC_KEY=$PublicKey") }
            # Only stopped: Start-ArenaPod's, not Repair-ArenaPod's.
            @{ name = 'camp-charlie'; desiredStatus = 'EXITED'; gpuCount = 1; env = @("PUBLIC_KEY=$PublicKey") })
        # Broken: running, but its sshd is gone, so every check fails at Connect (at once: nothing listens).
        $null = Invoke-RestMethod -Method Post -Uri "$($Sandbox.Url)/_sandbox/pods/$($ids['camp-bravo'])/sshd/stop"
        # What each one-liner feeds Repair-ArenaPod, as written up to it.
        $filters = @(Get-DocSnippet | Where-Object Code -match '^\$failed = |\| Repair-ArenaPod' | ForEach-Object { ($_.Code -replace '^\$failed = ', '' -split '\| Repair-ArenaPod')[0].TrimEnd(' |') } | Where-Object { $_ -match 'Passed' })
        $about = (Get-Content (Join-Path $Root 'docs/about/about_ArenaInfra.help.txt') -Raw)
        $inline = [regex]::Matches((Get-Content (Join-Path $Root 'docs/Repair-ArenaPod.md') -Raw) + $about, '`([^`]*\| Repair-ArenaPod)`') | ForEach-Object { ($_.Groups[1].Value -split '\| Repair-ArenaPod')[0].TrimEnd(' |') }
        $filters = @($filters) + @($inline) | Select-Object -Unique
        $filters.Count | Should -BeGreaterOrEqual 1
        $cases = [ordered]@{}
        foreach ($filter in $filters) { $cases["$($cases.Count)"] = "`$f = @($filter); 'chosen: ' + (`$f.Name -join ','); `$f | Repair-ArenaPod -WhatIf" }
        $said = Invoke-FreshPwshCases -Setup $Import -Environment $Env -Cases $cases

        foreach ($name in $cases.Keys) {
            $said[$name] | Where-Object { $_ -like 'chosen: *' } | Should -Be 'chosen: camp-bravo' -Because "only the broken pod is to be replaced by: $($cases[$name])"
            $said[$name] | Where-Object { $_ -like 'What if:*' } | Should -Match 'camp-bravo'
            $said[$name] | Where-Object { $_ -like 'What if:*' } | Should -Not -Match 'charlie'
        }
        @(Get-SandboxRequest $Sandbox | Where-Object { $_.operationName -in 'StopPod', 'ResumePod', 'TerminatePod' }) | Should -BeNullOrEmpty
    }
}
