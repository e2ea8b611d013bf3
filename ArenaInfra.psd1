@{
    RootModule           = 'ArenaInfra.psm1'
    # The build stamps this from Directory.Build.props into the published manifest.
    ModuleVersion        = '0.1.0'
    GUID                 = '5d7c3f0e-2b1a-4f6e-9a51-3c8e0b7d2a64'
    Author               = 'ArenaInfra contributors'
    CompanyName          = 'ArenaInfra'
    Copyright            = '(c) ArenaInfra contributors. MIT licence.'
    Description          = 'Runs a teaching program''s fleet of RunPod GPU pods: create them, see them, give every participant SSH access, check each pod works, operate on all at once, and tear them down.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('ArenaInfra.Format.ps1xml')
    CmdletsToExport      = @(
        'Backup-ArenaPod'
        'Deploy-ArenaPod'
        'Export-ArenaNginxConfig'
        'Export-ArenaParticipantKit'
        'Export-ArenaSshConfig'
        'Export-ArenaStatusPage'
        'Get-ArenaConfig'
        'Get-ArenaPod'
        'Get-ArenaPodGpu'
        'Get-ArenaIdlePod'
        'Get-ArenaPodLog'
        'Get-ArenaSpend'
        'Get-ArenaLlmKey'
        'Import-ArenaConfig'
        'Import-ArenaRoster'
        'Initialize-ArenaPod'
        'Initialize-ArenaProxy'
        'Invoke-ArenaPodCommand'
        'Start-ArenaPodJob'
        'Get-ArenaPodJob'
        'Receive-ArenaPodJob'
        'Stop-ArenaPodJob'
        'Lock-ArenaPod'
        'New-ArenaParticipantKey'
        'New-ArenaPod'
        'Publish-ArenaProxyConfig'
        'Remove-ArenaPod'
        'Repair-ArenaPod'
        'Restore-ArenaPod'
        'Save-ArenaPodWork'
        'Copy-ArenaPodItem'
        'New-ArenaPodBranch'
        'Get-ArenaPodBranch'
        'Set-ArenaPodBranch'
        'Set-ArenaApiKey'
        'Set-ArenaPodSecret'
        'Start-ArenaPod'
        'Stop-ArenaPod'
        'Sync-ArenaPodAccess'
        'Test-ArenaPod'
        'Test-ArenaTeardown'
        'New-ArenaLlmKey'
        'Reset-ArenaLlmKey'
        'Remove-ArenaLlmKey'
        'Unlock-ArenaPod'
        'Wait-ArenaPod'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('RunPod', 'GPU', 'SSH', 'Fleet', 'Teaching', 'nginx', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://opensource.org/license/mit'
            # The build sets these two: ProjectUri from Directory.Build.props (left out while that is empty),
            # ReleaseNotes from the version's section of CHANGELOG.md.
            ProjectUri   = ''
            ReleaseNotes = ''
        }
    }
}
