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
        @(Get-ChildItem $repo -Filter 'ArenaInfra.*.nupkg').Count | Should -Be 1
    }

    It 'carries what a gallery page needs in its manifest' {
        $manifest = Import-PowerShellDataFile (Get-BuiltModulePath)
        $manifest.Description | Should -Not -BeNullOrEmpty
        $manifest.Author | Should -Not -BeNullOrEmpty
        $manifest.PrivateData.PSData.Tags | Should -Contain 'RunPod'
        $manifest.PrivateData.PSData.ReleaseNotes | Should -Not -BeNullOrEmpty
        $manifest.ModuleVersion | Should -Be ((Select-Xml -Path (Join-Path (Get-RepoRoot) 'Directory.Build.props') -XPath '//ArenaInfraVersion').Node.InnerText)
    }
}
