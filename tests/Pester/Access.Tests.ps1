# Participant access end to end: the real ssh client reading our config, a real nginx as the proxy,
# the proxy machine played by a sandbox pod's sshd, and pods that are real sshd processes.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Missing = @('sshd', 'nginx', 'ssh') | ForEach-Object { Get-ToolSkipReason $_ } | Select-Object -First 1
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    if (@("sshd", "nginx", "ssh") | ForEach-Object { Get-ToolSkipReason $_ }) { return }
    Import-Module (Get-BuiltModulePath) -Force
    $script:SavedData = $env:ARENA_INFRA_DATA
    $env:ARENA_INFRA_DATA = Join-Path $TestDrive 'data'
    $script:Sandbox = Start-TestSandbox -Arguments '--start-delay-ms', '0', '--sshd', 'auto'
    $script:User = [Environment]::UserName
    $fixtures = Join-Path (Get-RepoRoot) 'tests/fixtures/keys'

    # The participants' shared key, and the organiser's own key for the proxy.
    $keys = New-Item -ItemType Directory (Join-Path $TestDrive 'keys')
    Copy-Item "$fixtures/test_ed25519", "$fixtures/test_ed25519.pub", "$fixtures/test_rsa", "$fixtures/test_rsa.pub" $keys
    & chmod 600 "$keys/test_ed25519" "$keys/test_rsa"
    $script:SharedKey = "$keys/test_ed25519"
    $script:OrganiserKey = "$keys/test_rsa"

    # The proxy machine: a sandbox pod outside the fleet whose sshd trusts the organiser's key.
    $proxyId = Add-SandboxPod $Sandbox @{ name = 'proxybox'; desiredStatus = 'RUNNING'; env = @("PUBLIC_KEY=$(Get-Content "$OrganiserKey.pub")") }
    $proxyPort = (Invoke-RestMethod -Uri "$($Sandbox.Url)/v2/pods/$proxyId" -Headers @{ Authorization = "Bearer $(Get-SandboxKey)" }).ssh.direct.port

    # nginx with the stream module, in a folder of its own.
    $script:Nginx = (New-Item -ItemType Directory (Join-Path $TestDrive 'nginx')).FullName
    $null = New-Item -ItemType Directory "$Nginx/logs"
    $module = @('/usr/lib/nginx/modules/ngx_stream_module.so', '/usr/share/nginx/modules/ngx_stream_module.so') | Where-Object { Test-Path $_ } | Select-Object -First 1
    $load = if ($module) { "load_module $module;" } else { '' }
    Set-Content "$Nginx/nginx.conf" "$load`npid $Nginx/nginx.pid;`nerror_log $Nginx/error.log;`nevents { worker_connections 256; }`nstream {`n    include $Nginx/fleet.conf;`n}`n"
    Set-Content "$Nginx/fleet.conf" ''
    $nginxExe = (Get-Command nginx -ErrorAction SilentlyContinue).Source ?? '/usr/sbin/nginx'
    $script:NginxArgs = "-p $Nginx -c $Nginx/nginx.conf"
    $info = [System.Diagnostics.ProcessStartInfo]::new($nginxExe)
    foreach ($a in '-p', $Nginx, '-c', "$Nginx/nginx.conf", '-g', 'daemon off;') { $info.ArgumentList.Add($a) }
    $info.UseShellExecute = $false
    $info.RedirectStandardError = $true
    $info.RedirectStandardOutput = $true
    $script:NginxProcess = [System.Diagnostics.Process]::Start($info)
    $null = $NginxProcess.StandardError.ReadToEndAsync()
    $null = $NginxProcess.StandardOutput.ReadToEndAsync()

    $script:BasePort = Get-Random -Minimum 30000 -Maximum 59000
    $script:ConfigFile = Join-Path $TestDrive 'camp.env'
    Set-Content $ConfigFile @"
SHARED_SSH_KEY_PATH=$SharedKey
SSH_USER=$User
MACHINE_NAME_PREFIX=camp
MACHINE_NAME_LIST=(alpha bravo charlie delta)
RUNPOD_API_MAX_RPS=0
VSCODE_PREINSTALL=false
RUNPOD_API_BASE_URL=$($Sandbox.Url)
SSH_PROXY_HOST=127.0.0.1
SSH_PROXY_USER=$User
SSH_PROXY_SSH_PORT=$proxyPort
SSH_PROXY_STARTING_PORT=$BasePort
SSH_PROXY_NGINX_CONFIG_PATH=$Nginx/fleet.conf
SSH_PROXY_NGINX_CONF=$Nginx/nginx.conf
SSH_PROXY_NGINX_TEST="nginx -t -q $NginxArgs"
SSH_PROXY_NGINX_RELOAD="nginx -s reload $NginxArgs"
SSH_PROXY_NGINX_LOG_DIR=$Nginx/logs
SSH_PROXY_LISTEN_ADDRESS=127.0.0.1
"@
    $script:Config = Import-ArenaConfig $ConfigFile -NoDefault
    $script:ApiKey = ConvertTo-SecureString (Get-SandboxKey) -AsPlainText -Force
    $PSDefaultParameterValues = @{ '*-Arena*:Config' = $Config; '*-Arena*:ApiKey' = $ApiKey; 'Publish-ArenaProxyConfig:ProxyKeyPath' = $OrganiserKey; 'Publish-ArenaProxyConfig:Force' = $true }
    $script:Defaults = $PSDefaultParameterValues
    $null = New-ArenaPod -Count 3 -Force -Wait -TimeoutSec 30

    function Invoke-Ssh([string] $ConfigPath, [string] $HostName, [string] $Command) {
        $out = & ssh -F $ConfigPath -o BatchMode=yes -o ConnectTimeout=5 $HostName $Command 2>&1
        [pscustomobject]@{ Exit = $LASTEXITCODE; Output = ($out -join "`n").Trim() }
    }
    function Invoke-SshRetry([string] $ConfigPath, [string] $HostName, [string] $Command) {
        # nginx applies a reload gracefully: for a moment old workers still forward to the old pod.
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        do {
            $result = Invoke-Ssh $ConfigPath $HostName $Command
            if ($result.Exit -eq 0) { return $result }
            Start-Sleep -Milliseconds 250
        } while ([DateTime]::UtcNow -lt $deadline)
        $result
    }
    function Get-SshOption([string] $ConfigPath, [string] $HostName) {
        $options = @{}
        foreach ($line in (& ssh -G -F $ConfigPath $HostName)) { $k, $v = $line -split ' ', 2; if (-not $options.ContainsKey($k)) { $options[$k] = $v } }
        $options
    }
    function Wait-Port([int] $Port) {
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while ([DateTime]::UtcNow -lt $deadline) {
            try { $c = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $Port); $c.Dispose(); return } catch { Start-Sleep -Milliseconds 100 }
        }
    }
}

AfterAll {
    if (Get-Variable NginxProcess -Scope Script -ErrorAction SilentlyContinue) {
        # Only the nginx this file started: its master, by PID, and the workers it forked.
        if (-not $NginxProcess.HasExited) { $NginxProcess.Kill($true); $null = $NginxProcess.WaitForExit(5000) }
    }
    if (Get-Variable Sandbox -Scope Script -ErrorAction SilentlyContinue) { Stop-TestSandbox $Sandbox }
    $env:ARENA_INFRA_DATA = $SavedData
}

Describe 'Participant access' -Skip:([bool]$Missing) {
    BeforeEach { $PSDefaultParameterValues = $Defaults }

    It 'writes a direct config that the real ssh client reads and connects with' {
        $file = Join-Path $TestDrive 'direct.conf'
        Export-ArenaSshConfig -Mode Direct -Path $file
        $alpha = Get-ArenaPod -Name alpha
        $options = Get-SshOption $file camp-alpha
        $options.hostname | Should -Be '127.0.0.1'
        $options.port | Should -Be "$($alpha.SshPort)"
        $options.user | Should -Be $User
        $options.identityfile | Should -Be $SharedKey
        (Invoke-Ssh $file camp-alpha 'echo $ARENA_POD_NAME').Output | Should -Be 'camp-alpha'
        (Get-Item $file).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
    }

    It 'writes an nginx config that nginx -t accepts' {
        $file = Join-Path $TestDrive 'check.conf'
        Export-ArenaNginxConfig -Path $file
        $conf = Join-Path $TestDrive 'check-nginx.conf'
        (Get-Content -Raw "$Nginx/nginx.conf").Replace("$Nginx/fleet.conf", $file).Replace("$Nginx/nginx.pid", "$TestDrive/check.pid") | Set-Content $conf
        $out = & nginx -t -p $Nginx -c $conf 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        Get-Content -Raw $file | Should -Match "listen 127\.0\.0\.1:$BasePort; proxy_pass camp_alpha;"
    }

    It 'publishes to the proxy, and participants reach every pod through it' {
        $result = Publish-ArenaProxyConfig
        $result.Changed | Should -BeTrue
        $result.Reloaded | Should -BeTrue
        $result.Pods | Should -Be 3
        Wait-Port ($BasePort + 1)
        $proxyConf = Join-Path $TestDrive 'proxy.conf'
        Export-ArenaSshConfig -Mode Proxy -Path $proxyConf
        $options = Get-SshOption $proxyConf camp-bravo
        $options.hostname | Should -Be '127.0.0.1'
        $options.port | Should -Be "$($BasePort + 1)"
        (Invoke-Ssh $proxyConf camp-bravo 'echo $ARENA_POD_NAME').Output | Should -Be 'camp-bravo'
        $checks = Get-ArenaPod | Test-ArenaPod -Via Proxy -Command true
        $checks.Passed | Should -Be @($true, $true, $true)
        $checks[0].Endpoint | Should -Match "^127\.0\.0\.1:$BasePort|^127\.0\.0\.1:$($BasePort + 1)|^127\.0\.0\.1:$($BasePort + 2)"
        (Publish-ArenaProxyConfig).Changed | Should -BeFalse
    }

    It 'rolls a config nginx rejects back, and the proxy keeps working' {
        Publish-ArenaProxyConfig | Out-Null
        $before = Get-Content -Raw "$Nginx/fleet.conf"
        (Get-Content $ConfigFile) -replace '^SSH_PROXY_NGINX_LOG_DIR=.*', "SSH_PROXY_NGINX_LOG_DIR=$Nginx/no-such-folder" | Set-Content "$TestDrive/broken.env"
        $broken = Import-ArenaConfig "$TestDrive/broken.env" -NoDefault

        $err = $null
        Publish-ArenaProxyConfig -Config $broken -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null

        $err[0].FullyQualifiedErrorId | Should -BeLike 'ProxyConfigInvalid,*'
        $err[0].Exception.Message | Should -Match 'no-such-folder'
        $err[0].Exception.Message | Should -Match 'previous config is back in place'
        Get-Content -Raw "$Nginx/fleet.conf" | Should -Be $before
        $proxyConf = Join-Path $TestDrive 'proxy.conf'
        Export-ArenaSshConfig -Mode Proxy -Path $proxyConf -Force
        (Invoke-Ssh $proxyConf camp-alpha 'echo $ARENA_POD_NAME').Output | Should -Be 'camp-alpha'
    }

    Context 'with a pod stopped since the last publish' {
        BeforeAll {
            # Neither case changes anything, so they share the stopped pod and one fresh session.
            $PSDefaultParameterValues = $Defaults
            Publish-ArenaProxyConfig | Out-Null
            Stop-ArenaPod -Name charlie -Force -AllowDataLoss
            $before = Get-Content -Raw "$Nginx/fleet.conf"
            $said = Invoke-FreshPwshCases -Setup "Import-Module '$(Get-BuiltModulePath)'" -Environment @{ ARENA_CONFIG = $ConfigFile; RUNPOD_API_KEY = (Get-SandboxKey); ARENA_INFRA_DATA = $env:ARENA_INFRA_DATA } -Cases ([ordered]@{
                WhatIf = "Publish-ArenaProxyConfig -ProxyKeyPath '$OrganiserKey' -WhatIf"
                NoForce = "try { Publish-ArenaProxyConfig -ProxyKeyPath '$OrganiserKey' } catch { `$_.FullyQualifiedErrorId }"
            })
            $after = Get-Content -Raw "$Nginx/fleet.conf"
        }

        AfterAll {
            $PSDefaultParameterValues = $Defaults
            Start-ArenaPod -Name charlie -Force
            $null = Get-ArenaPod -Name charlie | Wait-ArenaPod -PollIntervalSec 0.3 -TimeoutSec 30
        }

        It 'shows the change with -WhatIf and changes nothing' {
            ($said.WhatIf -join "`n") | Should -Match '- upstream camp_charlie'
            $after | Should -Be $before
        }

        It 'asks before publishing, so an unattended run without -Force fails clearly and changes nothing' {
            $said.NoForce | Should -Be 'ConfirmationRequired,ArenaInfra.Cmdlets.PublishArenaProxyConfigCommand'
            $after | Should -Be $before
        }
    }

    It 'never takes a file left in place untested for what nginx runs: the next publish tests and reloads it' {
        Publish-ArenaProxyConfig | Out-Null
        Stop-ArenaPod -Name charlie -Force -AllowDataLoss
        # An earlier publish cut off after its upload: the new text is in place, but nginx never tested or reloaded it.
        Set-Content "$Nginx/fleet.conf" (Export-ArenaNginxConfig) -NoNewline
        $result = Publish-ArenaProxyConfig
        $result.Changed | Should -BeTrue
        $result.Reloaded | Should -BeTrue
        Get-Content -Raw "$Nginx/fleet.conf.arena-applied" | Should -Be (Get-Content -Raw "$Nginx/fleet.conf")
        (Publish-ArenaProxyConfig).Changed | Should -BeFalse
        Start-ArenaPod -Name charlie -Force
        $null = Get-ArenaPod -Name charlie | Wait-ArenaPod -PollIntervalSec 0.3 -TimeoutSec 30
    }

    It 'publishes the whole fleet or nothing: piped pods are refused before anything is done' {
        Publish-ArenaProxyConfig | Out-Null
        $before = Get-Content -Raw "$Nginx/fleet.conf"
        $err = $null
        try { Get-ArenaPod -Name alpha | Publish-ArenaProxyConfig } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'PipelineInputNotAccepted,ArenaInfra.Cmdlets.PublishArenaProxyConfigCommand'
        Get-Content -Raw "$Nginx/fleet.conf" | Should -Be $before
    }

    It 'a replaced pod keeps its name and port: republish, and participants change nothing' {
        Publish-ArenaProxyConfig | Out-Null
        $participant = Export-ArenaSshConfig -Mode Proxy
        $oldId = (Get-ArenaPod -Name alpha).Id

        Remove-ArenaPod -Name alpha -Force
        $null = New-ArenaPod -Name alpha -Force -Wait -TimeoutSec 30
        (Publish-ArenaProxyConfig).Changed | Should -BeTrue

        Export-ArenaSshConfig -Mode Proxy | Should -BeExactly $participant
        $file = Join-Path $TestDrive 'participant.conf'
        Set-Content $file $participant -NoNewline
        Wait-Port $BasePort
        $id = (Invoke-SshRetry $file camp-alpha 'echo $ARENA_POD_ID').Output
        $id | Should -Be (Get-ArenaPod -Name alpha).Id
        $id | Should -Not -Be $oldId
    }

    It 'replaces a pod whose sshd died in one command: the participants'' ssh config stays byte for byte, and ssh reaches the new pod' {
        Publish-ArenaProxyConfig | Out-Null
        $participant = Export-ArenaSshConfig -Mode Proxy
        $file = Join-Path $TestDrive 'participant-repair.conf'
        Set-Content $file $participant -NoNewline
        $old = Get-ArenaPod -Name bravo
        $null = Invoke-RestMethod -Method Post "$($Sandbox.Url)/_sandbox/pods/$($old.Id)/sshd/stop"

        $failed = @(Get-ArenaPod -Name alpha, bravo | Test-ArenaPod -Command true | Where-Object { -not $_.Passed })
        $result = $failed | Repair-ArenaPod -SkipSetup Git -TestCommand true -ProxyKeyPath $OrganiserKey -Force

        $failed.Name | Should -Be 'camp-bravo'
        $result.Succeeded | Should -BeTrue
        $result.NewPod.Id | Should -Not -Be $old.Id
        ($result.Steps | Where-Object Step -eq 'Publish').Succeeded | Should -BeTrue
        Export-ArenaSshConfig -Mode Proxy | Should -BeExactly $participant
        Wait-Port ($BasePort + 1)
        (Invoke-SshRetry $file camp-bravo 'echo $ARENA_POD_ID').Output | Should -Be $result.NewPod.Id
        (Invoke-SshRetry $file camp-alpha 'echo $ARENA_POD_ID').Output | Should -Be (Get-ArenaPod -Name alpha).Id
    }

    It 'installs into ~/.ssh/config, keeping the user''s content byte for byte, and uninstalls exactly' {
        $rich = "# mine`r`nInclude ~/.ssh/office/*.conf`r`n`r`nHost github.com`r`n    IdentityFile ~/.ssh/gh`r`n`r`nMatch host *.corp exec ""true""`r`n    User me`r`n"
        $cases = @(@{ Name = 'absent'; Content = $null }, @{ Name = 'empty'; Content = '' }, @{ Name = 'rich'; Content = $rich })
        foreach ($case in $cases) {
            $case.Home = (New-Item -ItemType Directory (Join-Path $TestDrive "home-$($case.Name)")).FullName
            if ($null -ne $case.Content) { $null = New-Item -ItemType Directory "$($case.Home)/.ssh"; [IO.File]::WriteAllText("$($case.Home)/.ssh/config", $case.Content) }
        }
        $env = @{ ARENA_CONFIG = $ConfigFile; RUNPOD_API_KEY = (Get-SandboxKey); ARENA_INFRA_DATA = $env:ARENA_INFRA_DATA }
        # Each step runs in a fresh pwsh of its own, for every home in turn (the module reads HOME at each call):
        # the second install is another session's, as a user running it again would be.
        function Invoke-Step([string] $Command) {
            $steps = [ordered]@{}
            foreach ($case in $cases) { $steps[$case.Name] = "`$env:HOME = '$($case.Home)'; $Command" }
            Invoke-FreshPwshCases -Setup "Import-Module '$(Get-BuiltModulePath)'" -Environment $env -Cases $steps
        }

        $said = Invoke-Step 'Export-ArenaSshConfig -Install'
        $once = @{}
        foreach ($case in $cases) { $once[$case.Name] = [IO.File]::ReadAllBytes("$($case.Home)/.ssh/config") }
        $null = Invoke-Step 'Export-ArenaSshConfig -Install'
        foreach ($case in $cases) {
            $homeDir = $case.Home
            # The proxy named in the config was chosen without being asked for: the one line says so, and where it points.
            $said[$case.Name] | Should -BeLike "Proxy mode: every camp name goes through the proxy 127.0.0.1, each at its own port there*$homeDir/.ssh/arena/camp.conf: written*"
            [IO.File]::ReadAllBytes("$homeDir/.ssh/config") | Should -Be $once[$case.Name] -Because "installing twice changes nothing ($($case.Name))"
            $text = [Text.Encoding]::UTF8.GetString($once[$case.Name])
            $text | Should -BeLike "# ArenaInfra: the camp fleet*Include $homeDir/.ssh/arena/camp.conf*"
            if ($case.Content) { $text.EndsWith($case.Content) | Should -BeTrue; [IO.File]::ReadAllText("$homeDir/.ssh/config.arena-backup") | Should -BeExactly $case.Content }
            $options = Get-SshOption "$homeDir/.ssh/config" camp-bravo
            $options.port | Should -Be "$($BasePort + 1)"
            $options.hostname | Should -Be '127.0.0.1'
        }

        $null = Invoke-Step 'Export-ArenaSshConfig -Uninstall'
        foreach ($case in $cases) {
            [IO.File]::ReadAllText("$($case.Home)/.ssh/config") | Should -BeExactly ($case.Content ?? '') -Because "uninstalling gives back what was there ($($case.Name))"
            "$($case.Home)/.ssh/arena/camp.conf" | Should -Not -Exist
        }
    }

    It 'gives participants a kit whose installers work, twice, on a rich config' {
        $kit = Join-Path $TestDrive 'kit'
        $out = Export-ArenaParticipantKit -Path $kit -Zip
        $out.Name | Should -Be @('kit', 'kit.zip')
        foreach ($file in 'camp_key', 'camp.conf', 'README.md', 'install.ps1', 'install.sh') { Join-Path $kit $file | Should -Exist }
        [IO.File]::ReadAllBytes("$kit/camp_key") | Should -Be ([IO.File]::ReadAllBytes($SharedKey))
        Publish-ArenaProxyConfig | Out-Null

        $rich = "Host work`n    HostName work.example.org`n"
        foreach ($installer in 'install.sh', 'install.ps1') {
            $homeDir = (New-Item -ItemType Directory (Join-Path $TestDrive "kit-home-$installer")).FullName
            $null = New-Item -ItemType Directory "$homeDir/.ssh"
            [IO.File]::WriteAllText("$homeDir/.ssh/config", $rich)
            $run = if ($installer -eq 'install.sh') { { & sh "$kit/install.sh" } } else { { Invoke-FreshPwsh "& '$kit/install.ps1'" -Environment @{ HOME = $homeDir } } }
            $saved = $env:HOME
            $env:HOME = $homeDir
            try {
                $null = & $run
                $once = [IO.File]::ReadAllBytes("$homeDir/.ssh/config")
                $null = & $run
            }
            finally { $env:HOME = $saved }

            [IO.File]::ReadAllBytes("$homeDir/.ssh/config") | Should -Be $once -Because "$installer twice changes nothing"
            [Text.Encoding]::UTF8.GetString($once).EndsWith($rich) | Should -BeTrue
            (Get-Item "$homeDir/.ssh/arena/camp_key").UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
            $options = Get-SshOption "$homeDir/.ssh/config" camp-charlie
            $options.identityfile | Should -Be "$homeDir/.ssh/arena/camp_key"
            $options.port | Should -Be "$($BasePort + 2)"
            (Invoke-Ssh "$homeDir/.ssh/config" camp-charlie 'echo $ARENA_POD_NAME').Output | Should -Be 'camp-charlie'
        }
    }

    It 'has the Windows installer make the key readable by the participant only, with icacls, and stop when it cannot' {
        # icacls exists only on Windows: a stand-in on PATH records what the installer asks of it.
        $kit = Join-Path $TestDrive 'kit-windows'
        $null = Export-ArenaParticipantKit -Path $kit
        $bin = (New-Item -ItemType Directory (Join-Path $TestDrive 'fake-windows-bin')).FullName
        $log = Join-Path $TestDrive 'icacls.log'
        foreach ($exitCode in 0, 5) {
            Set-Content "$bin/icacls.exe" "#!/bin/sh`nprintf '%s|' `"`$@`" >> '$log'`necho >> '$log'`nexit $exitCode`n"
            & chmod 755 "$bin/icacls.exe"
            $homeDir = (New-Item -ItemType Directory (Join-Path $TestDrive "kit-home-windows-$exitCode")).FullName
            $null = New-Item -ItemType Directory "$homeDir/.ssh"
            [IO.File]::WriteAllText("$homeDir/.ssh/config", "Host work`n")
            $environment = @{ HOME = $homeDir; OS = 'Windows_NT'; USERNAME = 'participant'; PATH = "$bin$([IO.Path]::PathSeparator)$env:PATH" }
            $output = Invoke-FreshPwsh "try { & '$kit/install.ps1' } catch { 'FAILED: ' + `$_.Exception.Message }" -Environment $environment
            if ($exitCode -eq 0) {
                $output | Should -Match "Installed: try 'ssh camp-"
                (Get-Content $log | Select-Object -Last 1) | Should -Be "$homeDir/.ssh/arena/camp_key|/inheritance:r|/grant:r|participant:(F)|"
                [IO.File]::ReadAllText("$homeDir/.ssh/config") | Should -Match 'ssh/arena/camp\.conf'
            }
            else {
                $output | Should -Be "FAILED: icacls could not restrict $homeDir/.ssh/arena/camp_key to participant."
                [IO.File]::ReadAllText("$homeDir/.ssh/config") | Should -BeExactly "Host work`n" -Because 'nothing is half-installed'
            }
        }
    }

    It 'prepares a proxy once: the include is added, a second run changes nothing, nginx accepts it' {
        $dir = (New-Item -ItemType Directory (Join-Path $TestDrive 'fresh-proxy')).FullName
        $module = @('/usr/lib/nginx/modules/ngx_stream_module.so', '/usr/share/nginx/modules/ngx_stream_module.so') | Where-Object { Test-Path $_ } | Select-Object -First 1
        Set-Content "$dir/nginx.conf" "$(if ($module) { "load_module $module;" })`npid $dir/nginx.pid;`nerror_log $dir/error.log;`nevents { }`n"
        (Get-Content $ConfigFile) -replace '^SSH_PROXY_NGINX_CONF=.*', "SSH_PROXY_NGINX_CONF=$dir/nginx.conf" -replace '^SSH_PROXY_NGINX_CONFIG_PATH=.*', "SSH_PROXY_NGINX_CONFIG_PATH=$dir/conf.d/camp.conf" `
            -replace '^SSH_PROXY_NGINX_TEST=.*', "SSH_PROXY_NGINX_TEST=""nginx -t -q -p $dir -c $dir/nginx.conf""" -replace '^SSH_PROXY_NGINX_RELOAD=.*', 'SSH_PROXY_NGINX_RELOAD=true' | Set-Content "$TestDrive/fresh.env"
        $fresh = Import-ArenaConfig "$TestDrive/fresh.env" -NoDefault

        (Initialize-ArenaProxy -Config $fresh -SkipInstall -Force -ProxyKeyPath $OrganiserKey -ErrorAction Stop).IncludeAdded | Should -BeTrue
        $once = Get-Content -Raw "$dir/nginx.conf"
        (Initialize-ArenaProxy -Config $fresh -SkipInstall -Force -ProxyKeyPath $OrganiserKey -ErrorAction Stop).IncludeAdded | Should -BeFalse

        Get-Content -Raw "$dir/nginx.conf" | Should -BeExactly $once
        ([regex]::Matches($once, 'include ')).Count | Should -Be 1
        $once | Should -Match "stream \{\s+include $([regex]::Escape($dir))/conf\.d/camp\.conf; # ArenaInfra: the camp fleet\s+\}"
        "$dir/conf.d/camp.conf" | Should -Exist
        & nginx -t -q -p $dir -c "$dir/nginx.conf"
        $LASTEXITCODE | Should -Be 0
    }
    It 'deploys a pod to READY and publishes the proxy once at the end (-NoPublish leaves it), and a participant reaches the new pod through it' {
        Publish-ArenaProxyConfig | Out-Null
        $before = Get-Content -Raw "$Nginx/fleet.conf"

        $quiet = Deploy-ArenaPod -Add 1 -SkipSetup Git -TestCommand true -NoPublish -Force -InformationVariable quietInfo
        $quiet.Name | Should -Be 'camp-delta'
        "$($quiet.Status)" | Should -Be 'Ready'
        ($quietInfo.MessageData | Where-Object { $_ -is [ArenaInfra.ArenaDeploySummary] }).Published | Should -BeFalse
        Get-Content -Raw "$Nginx/fleet.conf" | Should -BeExactly $before -Because '-NoPublish leaves the proxy as it is'

        # The pod exists now: a second run takes it as it is, checks it, and publishes once.
        $again = Deploy-ArenaPod -Name delta -SkipSetup Git -TestCommand true -ProxyKeyPath $OrganiserKey -Force -InformationVariable info
        "$($again.Status)" | Should -Be 'Ready'
        $again.Existing | Should -BeTrue
        ($info.MessageData | Where-Object { $_ -is [ArenaInfra.ArenaDeploySummary] }).Published | Should -BeTrue
        Get-Content -Raw "$Nginx/fleet.conf" | Should -Match 'camp[-_]delta'
        Wait-Port ($BasePort + 3)
        $file = Join-Path $TestDrive 'participant-deploy.conf'
        Export-ArenaSshConfig -Mode Proxy -Path $file
        (Invoke-SshRetry $file camp-delta 'echo $ARENA_POD_ID').Output | Should -Be $again.PodId

        # -PublishEach: one publish as each pod is READY, none at the end.
        $each = Deploy-ArenaPod -Name charlie, delta -SkipSetup Git -TestCommand true -ProxyKeyPath $OrganiserKey -PublishEach -Force -Verbose 4>&1
        @($each | Where-Object { $_ -is [ArenaInfra.ArenaDeployResult] -and "$($_.Status)" -eq 'Ready' }).Count | Should -Be 2
        $published = @($each | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'is READY; the proxy config published' })
        $published.Count | Should -Be 2
        ($published.Message -join ' ') | Should -Match 'camp-charlie is READY'
        ($published.Message -join ' ') | Should -Match 'camp-delta is READY'
    }
}
