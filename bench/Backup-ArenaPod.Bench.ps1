<#
.SYNOPSIS
    Backup-ArenaPod against rsync, side by side in one run, for one pod and for ten at once.
.DESCRIPTION
    Starts sandbox pods backed by real OpenSSH sshd processes, each behind a relay that adds 50 ms
    each way, and gives every pod the same home: 3,010 files of 1 to 20 KB in nested folders and
    four files of 5 to 30 MB (about 95 MB), plus a hidden folder and a site-packages folder that
    the seed's filters leave out. Then, for 1 pod and for 10 pods at once, and for -Rounds rounds:
      full       an empty destination
      nochange   the same again, nothing changed on the pods
      changed20  after 20 files changed on every pod
    each timed for Backup-ArenaPod and for rsync -a with the seed's filters (--exclude '.*/'
    --exclude 'site-packages/' --max-size=50m; ten rsync processes at once for ten pods). Prints the
    median seconds, backup/rsync, and the bytes each read from the pods (Backup-ArenaPod's
    TransferredBytes, rsync's "Total bytes received"), and checks that both copies are the same tree.
    On Linux it also prints the CPU seconds each spent, here (this process for Backup-ArenaPod; rsync
    and its ssh for rsync) and on the pods (every process under the sandbox: the pods' sshd and what
    they run), since the pods share this machine's cores.
    Then the way back: one pod's backed-up home restored into its emptied home by Restore-ArenaPod,
    and the same tree pushed back by rsync -a through the same relay, the home compared with the
    backup after each.
    Goal: each backup/rsync and restore/rsync <= 1.0.
    -Quick: one round. The default 3 rounds took 15 minutes on 2 busy cores (one pod and ten, and the restore).
    Needs sshd, ssh, ssh-keygen and rsync. Run: dotnet pwsh ./build.ps1 bench
#>
param([int] $DelayMs = 50, [int] $Rounds = 3, [int[]] $PodCounts = @(1, 10), [int] $SmallFiles = 3010, [switch] $Quick, [switch] $SkipRestore)
$ErrorActionPreference = 'Stop'
if ($Quick) { $Rounds = 1 }
$goal = 1.0
$root = Split-Path $PSScriptRoot
Import-Module (Join-Path $root 'tests/Pester/TestHelpers.psm1') -Force
foreach ($tool in 'sshd', 'ssh') { if ($reason = Get-ToolSkipReason $tool) { Write-Output "skipped: $reason"; return } }
if (-not (Get-Command rsync -ErrorAction SilentlyContinue)) { Write-Output 'skipped: rsync is not installed'; return }
Import-Module (Join-Path $root 'out/ArenaInfra/ArenaInfra.psd1') -Force

$maxPods = ($PodCounts | Measure-Object -Maximum).Maximum
Import-Module (Join-Path $PSScriptRoot 'SshBenchFleet.psm1') -Force
$bench = Start-SshBenchFleet -Root $root -Pods $maxPods -DelayMs $DelayMs
try {
    $config = $bench.Config
    $apiKey = $bench.ApiKey
    $pods = @($bench.Pods | Sort-Object Name)
    $homes = @{}
    foreach ($pod in $pods) { $homes[$pod.Name] = Join-Path (Invoke-RestMethod "$($bench.Sandbox.Url)/_sandbox/pods/$($pod.Id)/dir").path 'home' }

    # One home, made once and copied (times kept) to every pod.
    $random = [Random]::new(17)
    $template = Join-Path $bench.Work 'template'
    for ($i = 0; $i -lt $SmallFiles; $i++) {
        $folder = Join-Path $template ('course/week{0}/day{1}/part{2}' -f ($i % 5), ($i % 7), ($i % 11))
        if (-not (Test-Path $folder)) { $null = New-Item -ItemType Directory $folder }
        $bytes = [byte[]]::new($random.Next(1024, 20 * 1024)); $random.NextBytes($bytes)
        [IO.File]::WriteAllBytes((Join-Path $folder "file $i.py"), $bytes)
    }
    foreach ($mb in 5, 10, 20, 30) {
        $bytes = [byte[]]::new($mb * 1MB); $random.NextBytes($bytes)
        [IO.File]::WriteAllBytes((Join-Path $template "model-$mb.bin"), $bytes)
    }
    foreach ($left in '.cache/pip/wheel.whl', 'venv/lib/python3.11/site-packages/torch.py') {
        $path = Join-Path $template $left
        $null = New-Item -ItemType Directory (Split-Path $path) -Force
        [IO.File]::WriteAllBytes($path, [byte[]]::new(100KB))
    }
    foreach ($pod in $pods) { & cp -a "$template/." "$($homes[$pod.Name])/"; if ($LASTEXITCODE) { throw 'cp failed' } }
    $templateBytes = (Get-ChildItem $template -Recurse -File | Where-Object { $_.FullName -notmatch '/\.cache/|/site-packages/' } | Measure-Object Length -Sum).Sum

    # CPU seconds from /proc (Linux): this process's own, its reaped children's (rsync, and the ssh each
    # rsync reaped), and the pods' (every process under the sandbox but the sandbox, which relays).
    $ticksPerSecond = if ($IsLinux) { [double](& getconf CLK_TCK) } else { 0 }
    function Cpu {
        if (-not $IsLinux) { return [pscustomobject]@{ Own = 0.0; Children = 0.0; Pods = 0.0 } }
        $all = @{}
        foreach ($stat in Get-ChildItem /proc -Directory | Where-Object Name -match '^\d+$') {
            try { $text = [IO.File]::ReadAllText("$($stat.FullName)/stat") } catch { continue }
            $f = $text.Substring($text.LastIndexOf(')') + 2).Split(' ')
            $all[[int]$stat.Name] = [pscustomobject]@{ Parent = [int]$f[1]; Own = ([long]$f[11] + [long]$f[12]) / $ticksPerSecond; Children = ([long]$f[13] + [long]$f[14]) / $ticksPerSecond }
        }
        $sandboxId = $bench.Sandbox.Process.Id
        $pods = 0.0
        foreach ($id in $all.Keys) {
            $up = $all[$id].Parent
            while ($up -gt 1 -and $up -ne $sandboxId -and $all.ContainsKey($up)) { $up = $all[$up].Parent }
            if ($up -eq $sandboxId) { $pods += $all[$id].Own + $all[$id].Children }
        }
        $self = $all[$PID]
        [pscustomobject]@{ Own = $self.Own; Children = $self.Children; Pods = $pods }
    }

    function Backup([object[]] $Chosen, [string] $Destination) {
        $cpu = Cpu
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $results = @($Chosen | Backup-ArenaPod -Label run -Destination $Destination -Config $config -ApiKey $apiKey)
        $seconds = $clock.Elapsed.TotalSeconds
        $after = Cpu
        $failed = @($results | Where-Object { -not $_.Succeeded })
        if ($failed) { throw "Backup-ArenaPod failed: $($failed | Out-String)" }
        [pscustomobject]@{ Seconds = $seconds; Bytes = ($results | Measure-Object TransferredBytes -Sum).Sum; Files = ($results | Measure-Object Downloaded -Sum).Sum
            HereCpu = $after.Own - $cpu.Own; PodCpu = $after.Pods - $cpu.Pods }
    }

    function Rsync([object[]] $Chosen, [string] $Destination, [switch] $Push) {
        $cpu = Cpu
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $running = foreach ($pod in $Chosen) {
            $target = Join-Path $Destination $pod.Name
            $null = New-Item -ItemType Directory $target -Force
            $info = [Diagnostics.ProcessStartInfo]::new('rsync')
            $remote = "$($bench.User)@$($pod.PublicIp):$($homes[$pod.Name])/"
            $from, $to = if ($Push) { "$target/", $remote } else { $remote, "$target/" }
            foreach ($a in '-a', '--stats', '--exclude=.*/', '--exclude=site-packages/', '--max-size=50m', '-e',
                "ssh -p $($pod.SshPort) -i $($bench.Key) -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes",
                $from, $to) { $info.ArgumentList.Add($a) }
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardError = $true
            $info.UseShellExecute = $false
            $process = [Diagnostics.Process]::Start($info)
            [pscustomobject]@{ Process = $process; Out = $process.StandardOutput.ReadToEndAsync(); Err = $process.StandardError.ReadToEndAsync() }
        }
        $bytes = 0
        foreach ($r in $running) {
            $r.Process.WaitForExit()
            if ($r.Process.ExitCode -ne 0) { throw "rsync failed ($($r.Process.ExitCode)): $($r.Err.Result)" }
            $said = if ($Push) { 'Total bytes sent' } else { 'Total bytes received' }
            if ($r.Out.Result -match "${said}: ([\d,.]+)") { $bytes += [long]($Matches[1] -replace '[,.]', '') }
        }
        $seconds = $clock.Elapsed.TotalSeconds
        $after = Cpu
        [pscustomobject]@{ Seconds = $seconds; Bytes = $bytes; HereCpu = $after.Children - $cpu.Children; PodCpu = $after.Pods - $cpu.Pods }
    }

    function Tree([string] $Folder) {
        # What the seed's filters keep: a home's hidden folders and site-packages are not part of the copy.
        Get-ChildItem $Folder -Recurse -File | Where-Object { $_.FullName.Substring($Folder.Length) -notmatch '(^|/)\.[^/]*/|/site-packages/' } | Sort-Object FullName | ForEach-Object {
            '{0} {1} {2}' -f $_.FullName.Substring($Folder.Length), $_.Length, [long]($_.LastWriteTimeUtc.Ticks / 10000)
        }
    }

    function Median([double[]] $Values) { $sorted = @($Values | Sort-Object); $sorted[[int][math]::Floor($sorted.Count / 2)] }

    $changeRound = 0
    function Change([object[]] $Chosen) {
        $script:changeRound++
        foreach ($pod in $Chosen) {
            $files = @(Get-ChildItem (Join-Path $homes[$pod.Name] 'course') -Recurse -File | Sort-Object FullName | Select-Object -First 20)
            foreach ($file in $files) { [IO.File]::AppendAllText($file.FullName, "# change $script:changeRound`n") }
        }
    }

    ''
    "Backup benchmark: real sshd, +$DelayMs ms each way; a home of $SmallFiles small files and 4 large ($([math]::Round($templateBytes / 1MB)) MB after the filters); median of $Rounds round(s)"
    $identical = $true
    $goals = [Collections.Generic.List[string]]::new()
    foreach ($count in $PodCounts) {
        $chosen = @($pods | Select-Object -First $count)
        $rows = @{}
        foreach ($case in 'full', 'nochange', 'changed20') { $rows[$case] = [Collections.Generic.List[object]]::new() }
        for ($round = 1; $round -le $Rounds; $round++) {
            $ours = Join-Path $bench.Work "ours-$count-$round"
            $theirs = Join-Path $bench.Work "rsync-$count-$round"
            foreach ($case in 'full', 'nochange', 'changed20') {
                if ($case -eq 'changed20') { Change $chosen }
                # Alternate which goes first, so neither always meets a warm page cache on the pods.
                if ($round % 2) { $a = Backup $chosen $ours; $r = Rsync $chosen $theirs }
                else { $r = Rsync $chosen $theirs; $a = Backup $chosen $ours }
                $rows[$case].Add([pscustomobject]@{ Backup = $a; Rsync = $r })
            }
            foreach ($pod in $chosen) {
                $diff = Compare-Object (Tree (Join-Path $ours "run/$($pod.Name)")) (Tree (Join-Path $theirs $pod.Name))
                if ($diff) { $identical = $false; Write-Output "  DIFFERENT TREES for $($pod.Name): $($diff | Select-Object -First 5 | Out-String)" }
            }
            Remove-Item -Recurse -Force $ours, $theirs
        }
        ''
        "  $count pod(s) at once"
        '    case        Backup-ArenaPod        rsync -a        backup/rsync   MB read: backup / rsync   CPU s here: backup / rsync   on the pods: backup / rsync'
        foreach ($case in 'full', 'nochange', 'changed20') {
            $b = Median ($rows[$case] | ForEach-Object { $_.Backup.Seconds })
            $r = Median ($rows[$case] | ForEach-Object { $_.Rsync.Seconds })
            $ratio = Median ($rows[$case] | ForEach-Object { $_.Backup.Seconds / $_.Rsync.Seconds })
            $bBytes = ($rows[$case] | Select-Object -Last 1).Backup.Bytes
            $rBytes = ($rows[$case] | Select-Object -Last 1).Rsync.Bytes
            $cpu = foreach ($side in 'HereCpu', 'PodCpu') { foreach ($who in 'Backup', 'Rsync') { Median ($rows[$case] | ForEach-Object { $_.$who.$side }) } }
            '    {0,-10} {1,10:0.00} s {2,14:0.00} s {3,14:0.00}x   {4,10:0.00} / {5:0.00}   {6,14:0.0} / {7:0.0}   {8,16:0.0} / {9:0.0}' -f $case, $b, $r, $ratio, ($bBytes / 1MB), ($rBytes / 1MB), $cpu[0], $cpu[1], $cpu[2], $cpu[3]
            $goals.Add(('{0} pod(s) {1}: backup/rsync {2:0.00} (goal <= {3:0.0}) {4}' -f $count, $case, $ratio, $goal, $(if ($ratio -le $goal) { 'held' } else { 'NOT HELD' })))
        }
    }

    if (-not $SkipRestore) {
        # The way back: one pod's backup restored into its emptied home, against rsync pushing the same tree.
        $pod = $pods[0]
        $podHome = $homes[$pod.Name]
        $source = Join-Path $bench.Work 'restore-source'
        $null = Backup @($pod) $source
        $tree = Join-Path $source "run/$($pod.Name)"
        $expected = Tree $tree
        function Empty {
            foreach ($item in Get-ChildItem $podHome) { Remove-Item -Recurse -Force $item.FullName }
        }
        function Restore {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $results = @($pod | Restore-ArenaPod -Label run -Source $source -Force -Config $config -ApiKey $apiKey)
            $seconds = $clock.Elapsed.TotalSeconds
            $failed = @($results | Where-Object { -not $_.Succeeded })
            if ($failed) { throw "Restore-ArenaPod failed: $($failed | Out-String)" }
            [pscustomobject]@{ Seconds = $seconds; Bytes = ($results | Measure-Object Bytes -Sum).Sum; Files = ($results | Measure-Object Files -Sum).Sum }
        }
        function Same([string] $Who) {
            $diff = Compare-Object $expected (Tree $podHome)
            if ($diff) { $script:identical = $false; Write-Output "  DIFFERENT TREE after $Who for $($pod.Name): $($diff | Select-Object -First 5 | Out-String)" }
        }
        $restores = [Collections.Generic.List[object]]::new()
        for ($round = 1; $round -le $Rounds; $round++) {
            # Alternate which goes first, as above.
            if ($round % 2) {
                Empty; $a = Restore; Same 'Restore-ArenaPod'
                Empty; $r = Rsync @($pod) (Join-Path $source 'run') -Push; Same 'rsync'
            }
            else {
                Empty; $r = Rsync @($pod) (Join-Path $source 'run') -Push; Same 'rsync'
                Empty; $a = Restore; Same 'Restore-ArenaPod'
            }
            $restores.Add([pscustomobject]@{ Restore = $a; Rsync = $r })
        }
        ''
        "  restore of one pod's home ($([math]::Round(($restores[0].Restore.Bytes) / 1MB)) MB, $($restores[0].Restore.Files) files) into an emptied home"
        '    case        Restore-ArenaPod       rsync -a       restore/rsync   MB sent: rsync'
        $a = Median ($restores | ForEach-Object { $_.Restore.Seconds })
        $r = Median ($restores | ForEach-Object { $_.Rsync.Seconds })
        $ratio = Median ($restores | ForEach-Object { $_.Restore.Seconds / $_.Rsync.Seconds })
        '    {0,-10} {1,10:0.00} s {2,14:0.00} s {3,14:0.00}x   {4,10:0.00}' -f 'restore', $a, $r, $ratio, (($restores | Select-Object -Last 1).Rsync.Bytes / 1MB)
        $goals.Add(('1 pod restore: restore/rsync {0:0.00} (goal <= {1:0.0}) {2}' -f $ratio, $goal, $(if ($ratio -le $goal) { 'held' } else { 'NOT HELD' })))
    }
    ''
    "  trees identical (paths, sizes, times): $identical"
    foreach ($line in $goals) { "  $line" }
}
finally {
    Stop-SshBenchFleet $bench
}
