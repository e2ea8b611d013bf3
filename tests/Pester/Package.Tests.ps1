# Installing ArenaInfra the way any module is installed: PSResourceGet from a (local) repository.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Sandbox = Start-TestSandbox -Arguments '--start-delay-ms', '0'
    $null = Add-SandboxPod $Sandbox @{ name = 'arena-apple'; desiredStatus = 'RUNNING' }
}

AfterAll { Stop-TestSandbox $Sandbox }

Describe 'The package' {
    It 'publishes to a repository, installs with Install-PSResource, imports by name and works' {
        $repo = New-Item -ItemType Directory (Join-Path $TestDrive 'repo')
        $homeDir = New-Item -ItemType Directory (Join-Path $TestDrive 'home')
        $moduleDir = Split-Path (Get-BuiltModulePath)
        # A home of its own: the repository and the installed module stay in the test's folder.
        $script = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name ArenaInfraTest -Uri '$repo' -Trusted
Publish-PSResource -Path '$moduleDir' -Repository ArenaInfraTest
Install-PSResource -Name ArenaInfra -Repository ArenaInfraTest -Scope CurrentUser -TrustRepository
Import-Module ArenaInfra
(Get-Module ArenaInfra).ModuleBase.StartsWith('$homeDir')
(Get-ArenaPod).Name
"@
        $lines = Invoke-FreshPwsh $script -Environment @{ HOME = $homeDir.FullName; RUNPOD_API_KEY = (Get-SandboxKey); RUNPOD_API_BASE_URL = $Sandbox.Url; ARENA_CONFIG = $null; XDG_DATA_HOME = $null; XDG_CONFIG_HOME = $null }
        $lines | Select-Object -Last 2 | Should -Be @('True', 'arena-apple')

        # Installed, it also loads by itself on first use of one of its commands.
        $lines = Invoke-FreshPwsh "(Get-ArenaPod).Name; (Get-Module ArenaInfra).ModuleBase.StartsWith('$homeDir')" -Environment @{ HOME = $homeDir.FullName; RUNPOD_API_KEY = (Get-SandboxKey); RUNPOD_API_BASE_URL = $Sandbox.Url; ARENA_CONFIG = $null; XDG_DATA_HOME = $null; XDG_CONFIG_HOME = $null }
        $lines | Should -Be @('arena-apple', 'True')
        $packages = @(Get-ChildItem $repo -Filter 'ArenaInfra.*.nupkg')
        $packages.Count | Should -Be 1

        # What the gallery shows comes from the package's nuspec.
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($packages[0].FullName)
        try {
            $entries = $zip.Entries.FullName
            $entries | Should -Contain 'LICENSE'
            $entries | Should -Contain 'ArenaInfra.psm1'
            $entries | Should -Contain 'dependencies/Renci.SshNet.dll'
            # Installed users have no repository: the scripts to schedule and the settings' reference come along.
            $entries | Should -Contain 'examples/Weekend-PauseAndResume.ps1'
            $entries | Should -Contain 'examples/Morning-Check.ps1'
            $entries | Should -Contain 'en-US/about_ArenaInfra_Config.help.txt'
            $reader = [IO.StreamReader]::new(($zip.Entries | Where-Object FullName -EQ 'ArenaInfra.nuspec').Open())
            $nuspec = [xml]$reader.ReadToEnd()
            $reader.Dispose()
        }
        finally { $zip.Dispose() }
        $nuspec.package.metadata.licenseUrl | Should -Be 'https://opensource.org/license/mit'
        $nuspec.package.metadata.releaseNotes | Should -Match 'First release'
        $nuspec.package.metadata.tags | Should -Match 'RunPod'
    }

    It 'carries what a gallery page needs in its manifest, stamped by the build' {
        $manifest = Import-PowerShellDataFile (Get-BuiltModulePath)
        $props = Join-Path (Get-RepoRoot) 'Directory.Build.props'
        $version = (Select-Xml -Path $props -XPath '//ArenaInfraVersion').Node.InnerText
        $projectUri = (Select-Xml -Path $props -XPath '//ArenaInfraProjectUri').Node.InnerText
        $manifest.Description | Should -Not -BeNullOrEmpty
        $manifest.Author | Should -Not -BeNullOrEmpty
        $manifest.ModuleVersion | Should -Be $version
        $psData = $manifest.PrivateData.PSData
        $psData.Tags | Should -Contain 'RunPod'
        $psData.LicenseUri | Should -Be 'https://opensource.org/license/mit'
        if ($projectUri) { $psData.ProjectUri | Should -Be $projectUri } else { $psData.Keys | Should -Not -Contain 'ProjectUri' }

        # The release notes are this version's section of the changelog, word for word.
        $changelog = Get-Content -Raw (Join-Path (Get-RepoRoot) 'CHANGELOG.md')
        $section = [regex]::Match($changelog, "(?ms)^## $([regex]::Escape($version))\s*\n(.*?)(?=^## |\z)").Groups[1].Value.Trim()
        $section | Should -Not -BeNullOrEmpty
        ($psData.ReleaseNotes -replace '\r', '') | Should -Be ($section -replace '\r', '')
        Join-Path (Split-Path (Get-BuiltModulePath)) 'LICENSE' | Should -Exist
    }
}
