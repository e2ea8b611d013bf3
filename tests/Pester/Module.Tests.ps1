# The module as a user meets it: imported by path into a fresh pwsh.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $manifest = Import-PowerShellDataFile (Get-BuiltModulePath)
    $script:CmdletNames = @($manifest.CmdletsToExport | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModulePath = Get-BuiltModulePath
    $script:Manifest = Import-PowerShellDataFile $ModulePath
    Import-Module $ModulePath -Force
}

Describe 'The built module' {
    It 'imports in a fresh pwsh and exports exactly the manifest''s cmdlets' {
        $lines = Invoke-FreshPwsh "Import-Module '$ModulePath' -ErrorAction Stop; (Get-Command -Module ArenaInfra).Name | Sort-Object"
        $lines | Should -Be ($Manifest.CmdletsToExport | Sort-Object)
    }

    It 'has a manifest fit for both editions' {
        $Manifest.RootModule | Should -Be 'ArenaInfra.psm1'
        $Manifest.PowerShellVersion | Should -Be '5.1'
        $Manifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $Manifest.FormatsToProcess | Should -Be @('ArenaInfra.Format.ps1xml')
        $Manifest.FunctionsToExport.Count | Should -Be 0
        (Get-Module ArenaInfra).Version | Should -Be ([version]$Manifest.ModuleVersion)
    }

    It 'ships no PowerShell assembly of its own' {
        Join-Path (Split-Path $ModulePath) 'System.Management.Automation.dll' | Should -Not -Exist
    }

    It 'uses approved verbs only' {
        $approved = (Get-Verb).Verb
        (Get-Command -Module ArenaInfra).Verb | Where-Object { $_ -notin $approved } | Should -BeNullOrEmpty
    }
}

Describe 'Help for <Name>' -ForEach $CmdletNames {
    BeforeAll {
        $script:Help = Get-Help $Name -Full
        $script:Command = Get-Command $Name
    }

    It 'has a synopsis and a description' {
        $Help.Synopsis | Should -Not -BeNullOrEmpty
        $Help.Synopsis | Should -Not -Match ([regex]::Escape($Name) + '\s*\[')  # not the generated syntax stand-in
        ($Help.description.Text -join ' ') | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples with code, and says what it takes and gives' {
        @($Help.examples.example).Count | Should -BeGreaterOrEqual 2
        @($Help.inputTypes.inputType).Count | Should -BeGreaterThan 0
        @($Help.returnValues.returnValue).Count | Should -BeGreaterThan 0
        foreach ($example in $Help.examples.example) { $example.code | Should -Not -BeNullOrEmpty }
    }

    It 'describes every parameter' {
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        foreach ($parameter in $Command.Parameters.Keys | Where-Object { $_ -notin $common }) {
            $entry = $Help.parameters.parameter | Where-Object name -eq $parameter
            $entry | Should -Not -BeNullOrEmpty -Because "-$parameter needs help"
            ($entry.description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description"
        }
    }

    It 'shows each parameter set''s SYNTAX as the cmdlet has it, WhatIf and Confirm included, with types a user can read' {
        $shown = @($Help.syntax.syntaxItem)
        $shown.Count | Should -Be $Command.ParameterSets.Count
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + @([System.Management.Automation.Cmdlet]::OptionalCommonParameters | Where-Object { $_ -notin 'WhatIf', 'Confirm' })
        $sets = @($Command.ParameterSets | ForEach-Object { ,@($_.Parameters.Name | Where-Object { $_ -notin $common } | Sort-Object) })
        foreach ($item in $shown) {
            $names = @($item.parameter.name | Sort-Object)
            @($sets | Where-Object { ($_ -join ',') -eq ($names -join ',') }).Count | Should -BeGreaterThan 0 -Because "SYNTAX $($names -join ', ') must be one of the cmdlet's parameter sets"
        }
        if ($Command.Parameters.ContainsKey('WhatIf')) { foreach ($item in $shown) { $item.parameter.name | Should -Contain 'WhatIf'; $item.parameter.name | Should -Contain 'Confirm' } }
        ($Help.syntax | Out-String -Width 500) | Should -Not -Match 'Nullable'
        # The common parameters, named once at the end of every syntax line, as PowerShell's own commands have them.
        foreach ($line in (($Help.syntax | Out-String -Width 2000) -split "`n" | Where-Object { $_ -match "^$Name " })) { $line.TrimEnd() | Should -Match '\[<CommonParameters>\]$' }
    }

    It 'gives each parameter its true type, its values and its default' {
        foreach ($entry in $Help.parameters.parameter) {
            $parameter = $Command.Parameters[$entry.name]
            $type = $parameter.ParameterType
            if ([Nullable]::GetUnderlyingType($type)) { $type = [Nullable]::GetUnderlyingType($type) }
            $entry.type.name | Should -Be $type.FullName -Because "-$($entry.name)'s type"
            $element = if ($type.IsArray) { $type.GetElementType() } else { $type }
            $set = $parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
            $values = if ($set) { @($set.ValidValues) } elseif ($element.IsEnum) { @([Enum]::GetNames($element)) } else { @() }
            if ($values) { @($entry.parameterValueGroup.parameterValue) | Should -Be $values -Because "-$($entry.name) takes only these values" }
            # The default is the one a fresh cmdlet holds, or what the cmdlet's [PSDefaultValue] says it works out.
            $said = $parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.PSDefaultValueAttribute] }
            $property = $Command.ImplementingType.GetProperty($entry.name)
            $value = if ($property) { $property.GetValue([Activator]::CreateInstance($Command.ImplementingType)) }
            $expected = if ($said.Help) { $said.Help } elseif ($parameter.SwitchParameter) { 'False' } elseif ($null -eq $value -or "$value" -eq '') { 'None' } elseif ($value -is [Array]) { $value -join ', ' } else { "$value" }
            $entry.defaultValue | Should -Be $expected -Because "-$($entry.name)'s default"
        }
    }

    It 'has examples whose code parses' {
        foreach ($example in $Help.examples.example) {
            $errors = $null
            $null = [System.Management.Automation.Language.Parser]::ParseInput($example.code, [ref]$null, [ref]$errors)
            $errors | Should -BeNullOrEmpty
        }
    }

    It 'declares its output type' {
        $Command.OutputType | Should -Not -BeNullOrEmpty
    }
}

Describe 'The about topic' {
    It 'walks through a whole program: configure, create, wait, test, access, proxy, secrets, save, back up, tear down' {
        $text = Get-Help about_ArenaInfra | Out-String
        foreach ($command in 'Set-ArenaApiKey', 'Import-ArenaConfig', 'New-ArenaPod', 'Wait-ArenaPod', 'Test-ArenaPod', 'Export-ArenaSshConfig',
            'Export-ArenaParticipantKit', 'Publish-ArenaProxyConfig', 'Set-ArenaPodSecret', 'Save-ArenaPodWork', 'Backup-ArenaPod', 'Remove-ArenaPod') {
            $text | Should -Match $command
        }
    }
}

Describe 'The markdown help' {
    It 'is in platyPS''s layout and up to date with the built cmdlets (build.ps1 docs rewrites it)' {
        # The build writes each page from the built cmdlets and the docs' words (build/HelpBuilder.ps1 -MarkdownOut),
        # as build.ps1 docs does; a page edited after that build would be compared with an old rendering.
        $out = Join-Path (Split-Path (Split-Path $ModulePath)) 'help-markdown'
        $built = Get-Item -LiteralPath (Join-Path $out "$($Manifest.CmdletsToExport[0]).md")
        $sources = @($Manifest.CmdletsToExport | ForEach-Object { "docs/$_.md" }) + 'docs/shared/Parameters.md'
        $edited = @($sources | Where-Object { (Get-Item -LiteralPath (Join-Path (Get-RepoRoot) $_)).LastWriteTimeUtc -gt $built.LastWriteTimeUtc })
        $edited | Should -BeNullOrEmpty -Because 'these docs changed after the build: build again (build.ps1 test does)'
        foreach ($name in $Manifest.CmdletsToExport) {
            $page = Join-Path (Get-RepoRoot) "docs/$name.md"
            $text = Get-Content -Raw $page
            $text | Should -Match '(?s)^---\nexternal help file: ArenaInfra.dll-Help.xml\nModule Name: ArenaInfra\n' -Because "$name's page starts with platyPS's metadata"
            $text | Should -Match '## SYNTAX' -Because "$name's page has a SYNTAX"
            $text | Should -BeExactly (Get-Content -Raw (Join-Path $out "$name.md")) -Because "docs/$name.md must match the cmdlet: run 'dotnet pwsh ./build.ps1 docs'"
        }
    }
}

Describe 'The config reference topic' {
    It 'lists every setting with its config.env key and default, as the README does' {
        $text = Get-Help about_ArenaInfra_Config | Out-String
        foreach ($key in 'RUNPOD_GPU_TYPE', 'MACHINE_NAME_PREFIX', 'SSH_PROXY_HOST', 'MAX_PARALLEL') { $text | Should -Match $key }
        $text | Should -Match 'GpuType \(RUNPOD_GPU_TYPE\), default NVIDIA RTX A4000'
    }
}

Describe 'Commands as the documentation writes them' {
    BeforeAll {
        function Get-WrongUsage([string] $Code, [string] $Where) {
            # Every ArenaInfra command the code names, and every parameter given to it, must exist.
            $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref]$null, [ref]$errors)
            if ($errors) { "${Where}: does not parse: $Code"; return }
            foreach ($call in $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true)) {
                $name = $call.GetCommandName()
                if ($name -notlike '*-Arena*') { continue }
                $command = Get-Command $name -Module ArenaInfra -ErrorAction SilentlyContinue
                if (-not $command) { "${Where}: no command $name"; continue }
                foreach ($parameter in $call.CommandElements.Where({ $_ -is [System.Management.Automation.Language.CommandParameterAst] })) {
                    $known = $command.Parameters.Values.Where({ $_.Name -eq $parameter.ParameterName -or $_.Aliases -contains $parameter.ParameterName })
                    if (-not $known) { "${Where}: $name has no -$($parameter.ParameterName)" }
                }
            }
        }
    }

    It 'the README session and code blocks use real commands and parameters' {
        $inFence = $false
        $wrong = foreach ($line in Get-Content (Join-Path (Get-RepoRoot) 'README.md')) {
            if ($line -match '^```') { $inFence = $line -eq '```powershell'; continue }
            if ($line -match '^PS> (.+)$') { Get-WrongUsage $Matches[1] 'README' }
            elseif ($inFence) { Get-WrongUsage $line 'README' }
        }
        $wrong | Should -BeNullOrEmpty
    }

    It 'about_ArenaInfra uses real commands and parameters' {
        $lines = Get-Content (Join-Path (Get-RepoRoot) 'docs/about/about_ArenaInfra.help.txt') | Where-Object { $_ -match '^ {8}\S' }
        $lines.Count | Should -BeGreaterThan 20
        $lines | ForEach-Object { Get-WrongUsage $_ 'about_ArenaInfra' } | Should -BeNullOrEmpty
    }

    It 'every help example uses real commands and parameters' {
        $wrong = foreach ($name in $Manifest.CmdletsToExport) {
            foreach ($example in (Get-Help $name -Full).examples.example) { Get-WrongUsage $example.code "$name help" }
        }
        $wrong | Should -BeNullOrEmpty
    }
}

Describe 'Tools the SSH and proxy tests rely on' {
    It 'has an sshd that accepts a test configuration' -Skip:([bool](Get-ToolSkipReason sshd)) {
        $sshd = (Get-Command sshd -ErrorAction SilentlyContinue).Source ?? '/usr/sbin/sshd'
        $dir = New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "arena-sshd-$([guid]::NewGuid().ToString('N').Substring(0, 8))")
        try {
            & ssh-keygen -q -t ed25519 -N '' -f (Join-Path $dir 'host_key') | Out-Null
            "Port 2222`nListenAddress 127.0.0.1`nHostKey $dir/host_key`nPidFile $dir/sshd.pid`n" | Set-Content (Join-Path $dir 'sshd_config')
            & $sshd -t -f (Join-Path $dir 'sshd_config')
            $LASTEXITCODE | Should -Be 0
        }
        finally { Remove-Item -Recurse -Force $dir }
    }

    It 'has an nginx with the stream module' -Skip:([bool](Get-ToolSkipReason nginx)) {
        $nginx = (Get-Command nginx -ErrorAction SilentlyContinue).Source ?? '/usr/sbin/nginx'
        $dir = New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "arena-nginx-$([guid]::NewGuid().ToString('N').Substring(0, 8))")
        try {
            $modules = @(Get-ChildItem /usr/share/nginx/modules, /usr/lib/nginx/modules -Filter '*stream*.so' -ErrorAction SilentlyContinue)
            $load = if ($modules) { "load_module $($modules[0].FullName);" } else { '' }
            "$load`npid $dir/nginx.pid;`nerror_log $dir/error.log;`nevents {}`nstream { server { listen 127.0.0.1:2223; proxy_pass 127.0.0.1:22; } }`n" | Set-Content (Join-Path $dir 'nginx.conf')
            $out = & $nginx -t -p $dir -c (Join-Path $dir 'nginx.conf') 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        }
        finally { Remove-Item -Recurse -Force $dir }
    }
}
