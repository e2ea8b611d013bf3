<#
.SYNOPSIS
    Builds, tests and demonstrates ArenaInfra.
.DESCRIPTION
    dotnet pwsh ./build.ps1 build   publishes the importable module to out/ArenaInfra/
    dotnet pwsh ./build.ps1 test    builds, runs xunit and Pester, ends with 'N passed, N failed'
    dotnet pwsh ./build.ps1 test -Filter Backup   only the tests whose full name contains 'Backup'
    dotnet pwsh ./build.ps1 test -Unit   only the xunit tests that need neither the RunPod sandbox, sshd nor a browser (no Pester, no compile check)
    dotnet pwsh ./build.ps1 demo    builds and tours the module against the local RunPod sandbox
    dotnet pwsh ./build.ps1 bench   builds and runs the benchmarks in bench/ (they print ratios)
    dotnet pwsh ./build.ps1 docs    rewrites docs/<Cmdlet>.md in platyPS's layout: SYNTAX, types, defaults from the cmdlets
    dotnet pwsh ./build.ps1 package builds out/ArenaInfra.<version>.nupkg, the package PSResourceGet installs
    dotnet pwsh ./build.ps1 clean   removes out/ and the projects' bin/ and obj/
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'demo', 'bench', 'docs', 'package', 'clean')]
    [string] $Task = 'build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    # test: run only the xunit and Pester tests whose full name contains this text (no compile check).
    [string] $Filter,
    # test: run only the xunit tests without the trait Category=Sandbox or Browser: no sandbox, no sshd, no browser,
    # no Pester and no compile check; with -Filter, those of them whose full name contains the text.
    [switch] $Unit
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'ArenaInfra'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

function Invoke-Native {
    # Runs a program and stops the build when it fails.
    param([Parameter(Mandatory)] [string] $File, [string[]] $Arguments = @())
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "'$File $($Arguments -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Get-PwshCommand {
    # A fresh pwsh like the one running this script: 'dotnet pwsh.dll' when run as a local tool.
    $exe = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { return @($exe, (Join-Path $PSHOME 'pwsh.dll')) }
    return @($exe)
}

function Get-BuildProperty([string] $Name) {
    $props = [xml](Get-Content -Raw (Join-Path $Root 'Directory.Build.props'))
    [string]($props.Project.PropertyGroup.$Name | Where-Object { $_ } | Select-Object -First 1)
}

function Get-ReleaseNotes([string] $Version) {
    # The version's section of CHANGELOG.md: from its '## <version>' heading to the next heading.
    $lines = Get-Content (Join-Path $Root 'CHANGELOG.md')
    $start = [array]::IndexOf($lines, "## $Version")
    if ($start -lt 0) { throw "CHANGELOG.md has no '## $Version' section: say what this version brings before building it." }
    $section = $lines | Select-Object -Skip ($start + 1) | ForEach-Object -Begin { $done = $false } -Process {
        if ($_ -match '^## ') { $done = $true }
        if (-not $done) { $_ }
    }
    ($section -join "`n").Trim()
}

function Write-Manifest([string] $Version) {
    # The source manifest with what the build knows: version, project home and release notes.
    $manifest = Get-Content -Raw (Join-Path $Root 'ArenaInfra.psd1')
    $manifest = $manifest -replace "ModuleVersion(\s*)= '[^']*'", "ModuleVersion`$1= '$Version'"
    $projectUri = Get-BuildProperty 'ArenaInfraProjectUri'
    if ($projectUri) { $manifest = $manifest -replace "ProjectUri(\s*)= ''", "ProjectUri`$1= '$projectUri'" }
    else { $manifest = $manifest -replace "(?m)^\s*ProjectUri\s*= ''\r?\n", '' }
    # A single-quoted here-string takes the notes as they are.
    $manifest = $manifest.Replace("ReleaseNotes = ''", "ReleaseNotes = @'`n$(Get-ReleaseNotes $Version)`n'@")
    Set-Content -LiteralPath (Join-Path $ModuleOut 'ArenaInfra.psd1') -Value $manifest -NoNewline
}

# about_ArenaInfra_Config: the README's configuration reference, the one place its table is kept,
# as a help topic, so an installed module can say what every setting means and defaults to.
function Write-ConfigTopic([string] $Path) {
    $readme = Get-Content -Raw (Join-Path $Root 'README.md')
    if ($readme -notmatch '(?s)## Configuration reference\s*\n(.*?)\n## ') { throw 'README.md has no "## Configuration reference" section.' }
    $lines = [Collections.Generic.List[string]]::new()
    $lines.AddRange([string[]]@('TOPIC', '    about_ArenaInfra_Config', '', 'SHORT DESCRIPTION', '    Every setting of an ArenaInfra config file: its key, its default and what it means.', '', 'LONG DESCRIPTION'))
    foreach ($line in ($Matches[1] -split '\r?\n')) {
        if ($line -match '^\|\s*-') { continue }
        if ($line -match '^\|(.*)\|\s*$') {
            $cells = @($Matches[1] -split '\|' | ForEach-Object { $_.Trim() -replace '`', '' })
            if ($cells[0] -eq 'property') { continue }
            $lines.Add(''); $lines.Add("    $($cells[0]) ($($cells[1])), default $($cells[2])"); $lines.Add("        $($cells[3])")
        }
        else { $lines.Add(('    ' + ($line -replace '`', '')).TrimEnd()) }
    }
    $lines.AddRange([string[]]@('', 'SEE ALSO', '    Import-ArenaConfig, Get-ArenaConfig -ShowSource, about_ArenaInfra'))
    Set-Content -LiteralPath $Path -Value $lines -Encoding utf8
}

function Invoke-Build {
    Write-Host "Building the module into $ModuleOut"
    if (Test-Path $ModuleOut) { Remove-Item -Recurse -Force $ModuleOut }
    Invoke-Native dotnet @('publish', (Join-Path $Root 'ArenaInfra.Module/ArenaInfra.Module.csproj'), '-c', $Configuration, '-o', $ModuleOut, '--nologo', '-v', 'quiet')
    Get-ChildItem $ModuleOut -Filter '*.deps.json' | Remove-Item
    # Our libraries live apart, in dependencies/: ArenaInfra.psm1 and DependencyResolver load them.
    $dependencies = New-Item -ItemType Directory (Join-Path $ModuleOut 'dependencies')
    Get-ChildItem $ModuleOut -Filter '*.dll' | Where-Object Name -ne 'ArenaInfra.dll' | Move-Item -Destination $dependencies

    $version = Get-BuildProperty 'ArenaInfraVersion'
    Write-Manifest $version
    Copy-Item (Join-Path $Root 'ArenaInfra.psm1'), (Join-Path $Root 'LICENSE') $ModuleOut
    Copy-Item (Join-Path $Root 'ArenaInfra.Module/ArenaInfra.Format.ps1xml') $ModuleOut

    $pwsh = Get-PwshCommand
    # The same run writes each command's page as build.ps1 docs would, into out/help-markdown: the test that
    # docs/ is up to date compares against it instead of running the help builder a second time.
    $markdown = Join-Path $Out 'help-markdown'
    if (Test-Path $markdown) { Remove-Item -Recurse -Force $markdown }
    $null = New-Item -ItemType Directory $markdown
    $helpArgs = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'build/HelpBuilder.ps1'),
        '-ModuleManifest', (Join-Path $ModuleOut 'ArenaInfra.psd1'), '-DocsPath', (Join-Path $Root 'docs'),
        '-OutFile', (Join-Path $ModuleOut 'en-US/ArenaInfra.dll-Help.xml'), '-MarkdownOut', $markdown)
    Invoke-Native $pwsh[0] (@($pwsh | Select-Object -Skip 1) + $helpArgs)
    Copy-Item (Join-Path $Root 'docs/about/about_ArenaInfra.help.txt') (Join-Path $ModuleOut 'en-US')
    Write-ConfigTopic (Join-Path $ModuleOut 'en-US/about_ArenaInfra_Config.help.txt')
    # Installed users have no repository: the scripts to schedule travel with the module.
    $null = New-Item -ItemType Directory (Join-Path $ModuleOut 'examples')
    Copy-Item (Join-Path $Root 'examples/*.ps1') (Join-Path $ModuleOut 'examples')
    Write-Host "Module $version is ready: Import-Module $ModuleOut"
}

function Invoke-TestBuild {
    Invoke-Native dotnet @('build', (Join-Path $Root 'tests/ArenaInfra.Tests/ArenaInfra.Tests.csproj'), '-c', $Configuration, '--nologo', '-v', 'quiet')
}

function Get-PesterModule {
    # Pester comes from NuGet: restoring a download-only project puts it in the package cache.
    $project = Join-Path $Root 'tests/Pester/PesterPackage.csproj'
    Invoke-Native dotnet @('restore', $project, '--nologo', '-v', 'quiet')
    $version = (([xml](Get-Content -Raw $project)).Project.ItemGroup.PackageDownload | Where-Object Include -eq 'Pester').Version.Trim('[', ']')
    $cache = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $psd1 = Join-Path $cache.Trim() "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path $psd1)) { throw "Pester $version was restored but $psd1 is missing." }
    $psd1
}

function Read-TrxCounts([string] $Path) {
    if (-not (Test-Path $Path)) { return $null }
    $counters = ([xml](Get-Content -Raw $Path)).TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int]$counters.passed; Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout; Skipped = [int]$counters.notExecuted }
}

function Start-FrameworkCompileCheck {
    # The module targets netstandard2.0; compiling it against .NET Framework 4.7.2's reference
    # assemblies catches any API that Windows PowerShell lacks. It counts as one test. It builds
    # nothing the tests run, so it runs beside them: Receive-FrameworkCompileCheck gives the result.
    Start-ThreadJob -ArgumentList $Root, $Out, $Configuration -ScriptBlock {
        param($Root, $Out, $Configuration)
        $project = Join-Path $Root 'ArenaInfra.Module/ArenaInfra.Module.csproj'
        $ok = $true
        $said = [Collections.Generic.List[string]]::new()
        try {
            & dotnet restore $project -p:TargetFramework=net472 --nologo -v quiet 2>&1 | ForEach-Object { $said.Add("$_") }
            if ($LASTEXITCODE -ne 0) { $ok = $false }
            if ($ok) {
                & dotnet build $project --no-restore -p:TargetFramework=net472 -c $Configuration -o (Join-Path $Out 'net472-check') --nologo -v quiet 2>&1 | ForEach-Object { $said.Add("$_") }
                if ($LASTEXITCODE -ne 0) { $ok = $false }
            }
        }
        finally {
            # Put the project's restore back to its real target.
            & dotnet restore $project --nologo -v quiet | Out-Null
            foreach ($leftover in 'obj', 'bin') { Remove-Item -Recurse -Force (Join-Path $Root "ArenaInfra.Module/$leftover/$Configuration/net472") -ErrorAction SilentlyContinue }
        }
        [pscustomobject]@{ Ok = $ok; Said = $said }
    }
}

function Receive-FrameworkCompileCheck($Job) {
    $result = Receive-Job -Job $Job -Wait -AutoRemoveJob
    $result.Said | Where-Object { $_.Trim() } | Out-Host
    Write-Host "compile check: $(if ($result.Ok) { 'passed' } else { 'FAILED' })"
    $result.Ok
}

# The Pester files that run in the second Pester process; every other file runs in the first. Two
# processes, because most of Pester's time is waiting on fresh pwsh processes and sandboxes.
$PesterSecond = @('SideBySide', 'PodCommands', 'Ssh', 'Lifecycle', 'Package', 'Spend', 'StatusPage', 'Get-ArenaPod', 'Examples')

function Start-PesterTests([string] $Results, [string] $Name, [string[]] $Paths) {
    # The Pester tests, in a pwsh of their own with sandboxes of their own, run beside xunit: most of
    # their time is fresh pwsh processes starting. Receive-PesterTests shows what they said, and counts.
    $pester = Get-PesterModule
    $pesterCounts = Join-Path $Results "$Name.json"
    $pathList = ($Paths | ForEach-Object { "'$($_.Replace("'", "''"))'" }) -join ', '
    $script = @"
`$ErrorActionPreference = 'Stop'
# Plain text: an escape sequence in a failure's message would break the XML report, and so the counts.
if (`$PSStyle) { `$PSStyle.OutputRendering = 'PlainText' }
Import-Module '$pester'
`$c = New-PesterConfiguration
`$c.Run.Path = @($pathList)
`$c.Run.PassThru = `$true
`$c.Output.Verbosity = 'Detailed'
`$c.TestResult.Enabled = `$true
`$c.TestResult.OutputPath = '$(Join-Path $Results "$Name.xml")'
$(if ($Filter) { "`$c.Filter.FullName = '*$($Filter.Replace("'", "''"))*'" })
`$r = Invoke-Pester -Configuration `$c
@{ Passed = `$r.PassedCount; Failed = `$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount; Skipped = `$r.SkippedCount } | ConvertTo-Json | Set-Content '$pesterCounts'
"@
    $pwsh = Get-PwshCommand
    Start-ThreadJob -ArgumentList $pwsh, $script -ScriptBlock {
        param($Pwsh, $Script)
        & $Pwsh[0] @(@($Pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $Script)) 2>&1 | ForEach-Object { "$_" }
    }
}

function Start-AllPesterTests([string] $Results) {
    $files = @(Get-ChildItem -LiteralPath (Join-Path $Root 'tests/Pester') -Filter '*.Tests.ps1' | Sort-Object Name)
    $second = @($files | Where-Object { $PesterSecond -contains ($_.Name -replace '\.Tests\.ps1$', '') })
    $first = @($files | Where-Object { $second -notcontains $_ })
    @(
        [pscustomobject]@{ Name = 'pester'; Job = (Start-PesterTests $Results 'pester' $first.FullName) }
        if ($second) { [pscustomobject]@{ Name = 'pester-2'; Job = (Start-PesterTests $Results 'pester-2' $second.FullName) } }
    )
}

function Receive-PesterTests($Jobs, [string] $Results) {
    $total = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 }
    foreach ($run in $Jobs) {
        Write-Host "`n=== Pester ($($run.Name)) ==="
        Receive-Job -Job $run.Job -Wait -AutoRemoveJob | Out-Host
        $pesterCounts = Join-Path $Results "$($run.Name).json"
        $counts = if (Test-Path $pesterCounts) { Get-Content -Raw $pesterCounts | ConvertFrom-Json } else { Write-Warning "Pester ($($run.Name)) produced no results."; [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
        $total.Passed += $counts.Passed; $total.Failed += $counts.Failed; $total.Skipped += $counts.Skipped
    }
    $total
}

function Invoke-Test {
    Invoke-Build
    Invoke-TestBuild
    $results = Join-Path $Out 'test-results'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    $null = New-Item -ItemType Directory -Path $results

    # A filtered run is for working on a part: the whole-module compile check belongs to a full run.
    $frameworkJob = if (-not ($Filter -or $Unit)) { Start-FrameworkCompileCheck }
    # -Unit is for a quick answer: Pester's tests start the sandbox and fresh pwsh processes.
    $pesterJob = if (-not $Unit) { Start-AllPesterTests $results }

    # xunit runs in two processes at once (tests/ArenaInfra.Tests/Support/TestShard.cs): the classes that
    # share a process's data folder run one after another, so two processes halve that queue. The second
    # process writes to a log that is shown after the first's output.
    $xunitConditions = @(if ($Filter) { "FullyQualifiedName~$Filter" }) + @(if ($Unit) { 'Category!=Sandbox&Category!=Browser' })
    $shards = @(
        @{ Name = 'xunit'; Condition = 'Shard!=2' },
        @{ Name = 'xunit-2'; Condition = 'Shard=2' })
    $testProject = Join-Path $Root 'tests/ArenaInfra.Tests/ArenaInfra.Tests.csproj'
    $second = $shards[1]
    $secondFilter = (@($xunitConditions) + $second.Condition) -join '&'
    $secondJob = Start-ThreadJob -ArgumentList $testProject, $Configuration, $results, $second.Name, $secondFilter -ScriptBlock {
        param($Project, $Configuration, $Results, $Name, $FilterText)
        & dotnet test $Project -c $Configuration --no-build --nologo --logger "trx;LogFileName=$Name.trx" --logger 'console;verbosity=normal' `
            --results-directory $Results --filter $FilterText 2>&1 | ForEach-Object { "$_" }
        "exit:$LASTEXITCODE"
    }
    Write-Host "`n=== xunit ==="
    & dotnet test $testProject -c $Configuration --no-build --nologo --logger 'trx;LogFileName=xunit.trx' --logger 'console;verbosity=normal' `
        --results-directory $results --filter ((@($xunitConditions) + $shards[0].Condition) -join '&')
    $firstExit = $LASTEXITCODE
    Write-Host "`n=== xunit (second process) ==="
    $secondSaid = @(Receive-Job -Job $secondJob -Wait -AutoRemoveJob)
    $secondSaid | Where-Object { $_ -notlike 'exit:*' } | Out-Host
    $secondExit = [int](($secondSaid | Where-Object { $_ -like 'exit:*' } | Select-Object -Last 1) -replace '^exit:', '')
    $xunit = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 }
    foreach ($shard in @(@{ Name = 'xunit'; Exit = $firstExit }, @{ Name = 'xunit-2'; Exit = $secondExit })) {
        $counts = Read-TrxCounts (Join-Path $results "$($shard.Name).trx")
        if ($null -eq $counts) {
            # A filtered run may match nothing in one process; a full run's process without results failed.
            if (($Filter -or $Unit) -and $shard.Exit -eq 0) { continue }
            $counts = [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
            Write-Warning "xunit ($($shard.Name)) produced no results (exit code $($shard.Exit))."
        }
        $xunit.Passed += $counts.Passed; $xunit.Failed += $counts.Failed; $xunit.Skipped += $counts.Skipped
    }

    $frameworkCheck = $null
    if ($frameworkJob) {
        Write-Host "`n=== Compile check against .NET Framework 4.7.2 (Windows PowerShell) ==="
        $frameworkCheck = Receive-FrameworkCompileCheck $frameworkJob
    }

    $pesterResult = if ($pesterJob) { Receive-PesterTests $pesterJob $results } else { [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 } }

    $checked = $null -ne $frameworkCheck
    $passed = $xunit.Passed + $pesterResult.Passed + [int]($checked -and $frameworkCheck)
    $failed = $xunit.Failed + $pesterResult.Failed + [int]($checked -and -not $frameworkCheck)
    $skipped = $xunit.Skipped + $pesterResult.Skipped
    $checkText = if (-not $checked) { "not run ($(if ($Unit) { '-Unit' } else { 'filtered' }))" } elseif ($frameworkCheck) { 'passed' } else { 'failed' }
    $pesterText = if ($Unit) { 'not run (-Unit)' } else { "$($pesterResult.Passed) passed, $($pesterResult.Failed) failed, $($pesterResult.Skipped) skipped" }
    Write-Host ''
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed, $($xunit.Skipped) skipped; Pester: $pesterText; .NET Framework 4.7.2 compile check: $checkText"
    $line = "$passed passed, $failed failed"
    if ($skipped -gt 0) { $line += ", $skipped skipped" }
    Write-Host $line
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    Invoke-Native dotnet @('build', (Join-Path $Root 'tests/RunPodSandbox/RunPodSandbox.csproj'), '-c', $Configuration, '--nologo', '-v', 'quiet')
    $pwsh = Get-PwshCommand
    & $pwsh[0] @(@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'demo/Demo.ps1'), '-Configuration', $Configuration))
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

function Invoke-Package {
    Invoke-Build
    if (-not (Get-BuildProperty 'ArenaInfraProjectUri')) {
        Write-Warning 'ArenaInfraProjectUri in Directory.Build.props is empty: the package has no project link for a gallery page.'
    }
    # PSResourceGet itself makes the package: publishing to a folder repository. It runs with a home of
    # its own, so the repository registration never touches the user's PSResourceGet settings.
    $work = Join-Path $Out 'package'
    if (Test-Path $work) { Remove-Item -Recurse -Force $work }
    $repo = New-Item -ItemType Directory (Join-Path $work 'repo')
    $homeDir = New-Item -ItemType Directory (Join-Path $work 'home')
    $pwsh = Get-PwshCommand
    $script = "Register-PSResourceRepository -Name ArenaInfraBuild -Uri '$repo' -Trusted; Publish-PSResource -Path '$ModuleOut' -Repository ArenaInfraBuild -ErrorAction Stop"
    $savedHome = $env:HOME
    $env:HOME = $homeDir.FullName
    try { Invoke-Native $pwsh[0] (@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $script)) }
    finally { $env:HOME = $savedHome }
    $package = Get-ChildItem $repo -Filter '*.nupkg' | Select-Object -First 1
    Move-Item $package.FullName $Out -Force
    Remove-Item -Recurse -Force $work
    Write-Host "Package: $(Join-Path $Out $package.Name)"
}

function Invoke-Bench {
    Invoke-Build
    Invoke-TestBuild
    $pwsh = Get-PwshCommand
    foreach ($bench in Get-ChildItem (Join-Path $Root 'bench') -Filter '*.Bench.ps1') {
        Write-Host "`n=== $($bench.BaseName) ==="
        & $pwsh[0] @(@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $bench.FullName))
        if ($LASTEXITCODE -ne 0) { throw "$($bench.Name) failed." }
    }
}

switch ($Task) {
    'build' { Invoke-Build }
    'test' { Invoke-Test }
    'demo' { Invoke-Demo }
    'bench' { Invoke-Bench }
    'docs' {
        # The words stay as written; SYNTAX, each parameter's yaml block and the shared texts are written anew.
        Invoke-Build
        $pwsh = Get-PwshCommand
        Invoke-Native $pwsh[0] (@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'build/HelpBuilder.ps1'),
            '-ModuleManifest', (Join-Path $ModuleOut 'ArenaInfra.psd1'), '-DocsPath', (Join-Path $Root 'docs'),
            '-OutFile', (Join-Path $Out 'docs-check/ArenaInfra.dll-Help.xml'), '-MarkdownOut', (Join-Path $Root 'docs')))
        Write-Host 'docs/*.md rewritten from the built cmdlets.'
    }
    'package' { Invoke-Package }
    'clean' {
        foreach ($dir in @($Out) + @(Get-ChildItem $Root -Recurse -Directory -Include bin, obj | ForEach-Object FullName)) {
            if (Test-Path $dir) { Remove-Item -Recurse -Force $dir }
        }
    }
}
