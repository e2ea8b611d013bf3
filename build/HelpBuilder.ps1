<#
.SYNOPSIS
    Builds the module's MAML help (en-US/ArenaInfra.dll-Help.xml) from docs/<Cmdlet>.md.
.DESCRIPTION
    The markdown gives the words (synopsis, description, examples, parameter text, inputs, outputs,
    notes, links); the built module gives the facts (parameter sets, types, positions, pipeline
    input), so the two cannot drift apart. A parameter without text, or text for a parameter that
    does not exist, fails the build. Run in a fresh pwsh: it imports the built module.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $OutFile,
    # Also write each command's markdown, in platyPS's layout with its facts from the built cmdlet, into this folder.
    [string] $MarkdownOut
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Split-Sections([string[]] $Lines, [string] $Marker) {
    # Splits lines at headings that start with $Marker ('## ' or '### '), ignoring fenced code.
    $sections = [ordered]@{}
    $current = $null
    $inFence = $false
    foreach ($line in $Lines) {
        if ($line -match '^```') { $inFence = -not $inFence }
        if (-not $inFence -and $line.StartsWith($Marker)) {
            $current = $line.Substring($Marker.Length).Trim()
            $sections[$current] = [System.Collections.Generic.List[string]]::new()
        }
        elseif ($null -ne $current) { $sections[$current].Add($line) }
    }
    $sections
}

function Get-Paragraphs([string[]] $Lines) {
    # Blank lines separate paragraphs; a list item starts its own paragraph.
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    $buffer = [System.Collections.Generic.List[string]]::new()
    foreach ($line in $Lines) {
        if ($line.Trim() -eq '' -or $line -match '^\s*[-*] ') {
            if ($buffer.Count) { $paragraphs.Add(($buffer -join ' ')); $buffer.Clear() }
            if ($line.Trim() -ne '') { $buffer.Add($line.Trim()) }
        }
        else { $buffer.Add($line.Trim()) }
    }
    if ($buffer.Count) { $paragraphs.Add(($buffer -join ' ')) }
    ,$paragraphs
}

function Remove-YamlBlocks([string[]] $Lines) {
    $kept = [System.Collections.Generic.List[string]]::new()
    $inYaml = $false
    foreach ($line in $Lines) {
        if ($line -eq '```yaml') { $inYaml = $true; continue }
        if ($inYaml) { if ($line -eq '```') { $inYaml = $false }; continue }
        $kept.Add($line)
    }
    ,$kept.ToArray()
}

function Read-CmdletDoc([string] $Path) {
    $lines = @(Get-Content -LiteralPath $Path)
    # platyPS's layout: a metadata block first, and facts (SYNTAX, each parameter's yaml block,
    # CommonParameters) that the build writes from the cmdlets; only the words are read here.
    if ($lines.Count -and $lines[0] -eq '---') { $end = [Array]::IndexOf($lines, '---', 1); $lines = $lines[($end + 1)..($lines.Count - 1)] }
    $lines = Remove-YamlBlocks $lines
    $top = Split-Sections $lines '## '
    foreach ($required in 'SYNOPSIS', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS') {
        if (-not $top.Contains($required)) { throw "$Path has no '## $required' section." }
    }
    $examples = foreach ($entry in (Split-Sections $top['EXAMPLES'] '### ').GetEnumerator()) {
        $code = [System.Collections.Generic.List[string]]::new()
        $remarks = [System.Collections.Generic.List[string]]::new()
        $state = 'before'
        foreach ($line in $entry.Value) {
            if ($line -match '^```') { $state = @{ before = 'code'; code = 'after'; after = 'after' }[$state]; continue }
            if ($state -eq 'code') { $code.Add($line) } elseif ($state -eq 'after') { $remarks.Add($line) }
        }
        if ($code.Count -eq 0) { throw "$Path example '$($entry.Key)' has no code block." }
        [pscustomobject]@{ Title = $entry.Key; Code = ($code -join "`n"); Remarks = (Get-Paragraphs $remarks) }
    }
    $parameters = @{}
    foreach ($entry in (Split-Sections $top['PARAMETERS'] '### ').GetEnumerator()) {
        if ($entry.Key -eq 'CommonParameters' -or $entry.Value -contains $SharedMarker) { continue }
        $parameters[$entry.Key.TrimStart('-')] = Get-Paragraphs $entry.Value
    }
    $typed = { param($name) if ($top.Contains($name)) { foreach ($e in (Split-Sections $top[$name] '### ').GetEnumerator()) { [pscustomobject]@{ Type = $e.Key; Text = (Get-Paragraphs $e.Value) } } } }
    [pscustomobject]@{
        Synopsis    = (Get-Paragraphs $top['SYNOPSIS']) -join ' '
        Description = Get-Paragraphs $top['DESCRIPTION']
        Examples    = @($examples)
        Parameters  = $parameters
        Inputs      = @(& $typed 'INPUTS')
        Outputs     = @(& $typed 'OUTPUTS')
        Notes       = if ($top.Contains('NOTES')) { Get-Paragraphs $top['NOTES'] } else { @() }
        Links       = if ($top.Contains('RELATED LINKS')) { @($top['RELATED LINKS'] | Where-Object { $_ -match '^\s*- ' } | ForEach-Object { ($_ -replace '^\s*- ', '').Trim() }) } else { @() }
    }
}

$maml = 'http://schemas.microsoft.com/maml/2004/10'
$command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'

function Write-Paragraphs($w, [string[]] $Paragraphs) {
    $w.WriteStartElement('maml', 'description', $maml)
    foreach ($p in $Paragraphs) { $w.WriteElementString('maml', 'para', $maml, $p) }
    $w.WriteEndElement()
}

function Get-PipelineText($p) {
    $kinds = @()
    if ($p.ValueFromPipeline) { $kinds += 'ByValue' }
    if ($p.ValueFromPipelineByPropertyName) { $kinds += 'ByPropertyName' }
    if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
}

# The facts of a parameter, from the built cmdlet: what Get-Help shows and the markdown's yaml block says.
$TypeNames = @{ 'System.String' = 'String'; 'System.Int32' = 'Int32'; 'System.Boolean' = 'Boolean'; 'System.Decimal' = 'Decimal'; 'System.Double' = 'Double' }

function Get-TypeName([type] $Type) {
    # Nullable<int> is an int that may be left out: users see Int32, never Nullable`1.
    $inner = [Nullable]::GetUnderlyingType($Type)
    if ($inner) { $Type = $inner }
    if ($Type.IsArray) { return (Get-TypeName $Type.GetElementType()) + '[]' }
    if ($TypeNames.ContainsKey($Type.FullName)) { return $TypeNames[$Type.FullName] }
    $Type.Name
}

function Get-FirstAttribute($info, [type] $Type) {
    foreach ($attribute in $info.Attributes) { if ($Type.IsInstanceOfType($attribute)) { return $attribute } }
}

function Get-ParameterValues($info) {
    # An enum's names, or a ValidateSet's values: Get-Help shows them as {A | B}.
    $type = $info.ParameterType
    $inner = [Nullable]::GetUnderlyingType($type); if ($inner) { $type = $inner }
    if ($type.IsArray) { $type = $type.GetElementType() }
    $set = Get-FirstAttribute $info ([System.Management.Automation.ValidateSetAttribute])
    if ($set) { return @($set.ValidValues) }
    if ($type.IsEnum) { return @([Enum]::GetNames($type)) }
    @()
}

function Get-DefaultText($cmd, $info) {
    # The value a fresh cmdlet holds, or what [PSDefaultValue(Help = ...)] says when the default is worked out later.
    $attribute = Get-FirstAttribute $info ([System.Management.Automation.PSDefaultValueAttribute])
    if ($attribute -and $attribute.Help) { return $attribute.Help }
    if ($info.ParameterType -eq [System.Management.Automation.SwitchParameter]) { return 'False' }
    $property = $cmd.ImplementingType.GetProperty($info.Name)
    if (-not $property) { return 'None' }
    $value = $property.GetValue([Activator]::CreateInstance($cmd.ImplementingType))
    if ($null -eq $value -or ($value -is [string] -and $value -eq '')) { return 'None' }
    if ($value -is [Array]) { return ($value -join ', ') }
    [string]$value
}

# A parameter's facts, worked out once: SYNTAX asks for them again in every parameter set.
$FactsCache = @{}

function Get-ParameterFacts($cmd, $info) {
    $key = "$($cmd.Name) $($info.Name)"
    if (-not $FactsCache.ContainsKey($key)) { $FactsCache[$key] = Read-ParameterFacts $cmd $info }
    $FactsCache[$key]
}

function Read-ParameterFacts($cmd, $info) {
    # The command's sets are worked out anew at each read of ParameterSets: read once.
    $allSets = $cmd.ParameterSets
    $sets = @($allSets.Where({ $_.Parameters.Name -contains $info.Name }))
    $first = @(foreach ($set in $sets) { $set.Parameters.Where({ $_.Name -eq $info.Name }) }) | Sort-Object { -[int]$_.IsMandatory } | Select-Object -First 1
    $inner = [Nullable]::GetUnderlyingType($info.ParameterType)
    [pscustomobject]@{
        Name      = $info.Name
        Type      = Get-TypeName $info.ParameterType
        FullType  = $(if ($inner) { $inner.FullName } else { $info.ParameterType.FullName })
        IsSwitch  = $info.ParameterType -eq [System.Management.Automation.SwitchParameter]
        Values    = @(Get-ParameterValues $info)
        Sets      = $(if ($sets.Count -eq $allSets.Count) { '(All)' } else { ($sets.Name | Sort-Object) -join ', ' })
        Aliases   = $(if ($info.Aliases.Count) { $info.Aliases -join ', ' } else { '' })
        Required  = [bool]$first.IsMandatory
        Position  = $(if ($first.Position -ge 0) { [string]$first.Position } else { 'Named' })
        Default   = Get-DefaultText $cmd $info
        Pipeline  = Get-PipelineText $first
        Wildcards = [bool]($info.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
    }
}

function Write-Parameter($w, $facts, $set, [string[]] $text, [bool] $withDescription) {
    $position = if ($set.Position -ge 0) { [string]$set.Position } else { 'named' }
    $w.WriteStartElement('command', 'parameter', $command)
    $w.WriteAttributeString('required', $set.IsMandatory.ToString().ToLowerInvariant())
    $w.WriteAttributeString('variableLength', 'true')
    $w.WriteAttributeString('globbing', $facts.Wildcards.ToString().ToLowerInvariant())
    $w.WriteAttributeString('pipelineInput', (Get-PipelineText $set))
    $w.WriteAttributeString('position', $position)
    $w.WriteAttributeString('aliases', $(if ($facts.Aliases) { $facts.Aliases } else { 'none' }))
    $w.WriteElementString('maml', 'name', $maml, $facts.Name)
    if ($withDescription) { Write-Paragraphs $w $text }
    if ($facts.Values.Count) {
        $w.WriteStartElement('command', 'parameterValueGroup', $command)
        foreach ($value in $facts.Values) {
            $w.WriteStartElement('command', 'parameterValue', $command)
            $w.WriteAttributeString('required', 'false')
            $w.WriteAttributeString('variableLength', 'false')
            $w.WriteString($value)
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }
    elseif (-not $facts.IsSwitch) {
        $w.WriteStartElement('command', 'parameterValue', $command)
        $w.WriteAttributeString('required', 'true')
        $w.WriteAttributeString('variableLength', 'false')
        $w.WriteString($facts.Type)
        $w.WriteEndElement()
    }
    if ($withDescription) {
        $w.WriteStartElement('dev', 'type', $dev)
        $w.WriteElementString('maml', 'name', $maml, $facts.FullType)
        $w.WriteEndElement()
        $w.WriteElementString('dev', 'defaultValue', $dev, $facts.Default)
    }
    $w.WriteEndElement()
}

# The markdown in platyPS's layout: the words as written, the facts (SYNTAX, each parameter's yaml
# block, CommonParameters) from the built cmdlet, and the shared parameters' words copied from
# docs/shared/Parameters.md with a marker, so each text has one place to be edited.
$SharedMarker = '<!-- This text is kept in docs/shared/Parameters.md; the build copies it here. -->'
$CommonText = 'This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction, -InformationVariable, -OutVariable, -OutBuffer, -PipelineVariable, -ProgressAction, -Verbose, -WarningAction, and -WarningVariable. For more information, see [about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).'

function Get-Trimmed([string[]] $Lines) {
    $list = [System.Collections.Generic.List[string]]::new([string[]]@($Lines))
    while ($list.Count -and $list[0].Trim() -eq '') { $list.RemoveAt(0) }
    while ($list.Count -and $list[$list.Count - 1].Trim() -eq '') { $list.RemoveAt($list.Count - 1) }
    ,$list.ToArray()
}

function Read-RawDoc([string] $Path) {
    $lines = @(Get-Content -LiteralPath $Path)
    if ($lines.Count -and $lines[0] -eq '---') { $end = [Array]::IndexOf($lines, '---', 1); $lines = $lines[($end + 1)..($lines.Count - 1)] }
    Split-Sections (Remove-YamlBlocks $lines) '## '
}

function Write-CmdletMarkdown($cmd, [string] $DocPath, $Params, $SharedRaw, [string] $OutPath) {
    $top = Read-RawDoc $DocPath
    $own = @{}
    foreach ($entry in (Split-Sections $top['PARAMETERS'] '### ').GetEnumerator()) {
        if ($entry.Key -eq 'CommonParameters' -or $entry.Value -contains $SharedMarker) { continue }
        $own[$entry.Key.TrimStart('-')] = Get-Trimmed $entry.Value
    }
    $out = [System.Collections.Generic.List[string]]::new()
    $out.AddRange([string[]]@('---', 'external help file: ArenaInfra.dll-Help.xml', 'Module Name: ArenaInfra', 'online version:', 'schema: 2.0.0', '---', '', "# $($cmd.Name)", ''))
    $out.Add('## SYNOPSIS'); $out.AddRange((Get-Trimmed $top['SYNOPSIS'])); $out.Add('')
    $out.Add('## SYNTAX'); $out.Add('')
    foreach ($set in $cmd.ParameterSets) {
        $title = if ($cmd.ParameterSets.Count -eq 1) { '__AllParameterSets' } else { $set.Name }
        $out.Add("### $title$(if ($set.IsDefault -and $cmd.ParameterSets.Count -gt 1) { ' (Default)' })")
        $out.Add('```'); $out.Add("$($cmd.Name) $($set.ToString())"); $out.Add('```'); $out.Add('')
    }
    foreach ($section in 'DESCRIPTION', 'EXAMPLES') { $out.Add("## $section"); $out.AddRange((Get-Trimmed $top[$section])); $out.Add('') }
    $out.Add('## PARAMETERS'); $out.Add('')
    foreach ($p in ($Params | Sort-Object Name)) {
        $facts = Get-ParameterFacts $cmd $p
        $out.Add("### -$($p.Name)")
        if ($own.ContainsKey($p.Name)) { $out.AddRange([string[]]$own[$p.Name]) }
        elseif ($SharedRaw.ContainsKey($p.Name)) { $out.Add($SharedMarker); $out.AddRange([string[]]$SharedRaw[$p.Name]) }
        $out.Add('')
        $out.Add('```yaml')
        $out.Add("Type: $($facts.Type)")
        $out.Add("Parameter Sets: $($facts.Sets)")
        $out.Add("Aliases: $($facts.Aliases)".TrimEnd())
        if ($facts.Values.Count) { $out.Add("Accepted values: $($facts.Values -join ', ')") }
        $out.Add('')
        $out.Add("Required: $($facts.Required)")
        $out.Add("Position: $($facts.Position)")
        $out.Add("Default value: $($facts.Default)")
        $out.Add("Accept pipeline input: $($facts.Pipeline)")
        $out.Add("Accept wildcard characters: $($facts.Wildcards)")
        $out.Add('```'); $out.Add('')
    }
    $out.Add('### CommonParameters'); $out.Add($CommonText); $out.Add('')
    foreach ($section in 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS') {
        if (-not $top.Contains($section)) { continue }
        $out.Add("## $section"); $out.AddRange((Get-Trimmed $top[$section])); $out.Add('')
    }
    while ($out[$out.Count - 1] -eq '') { $out.RemoveAt($out.Count - 1) }
    [IO.File]::WriteAllText($OutPath, ($out -join "`n") + "`n", [Text.UTF8Encoding]::new($false))
}

$module = Import-Module $ModuleManifest -PassThru -Force
# Parameters many commands share are described once, in shared/Parameters.md; a command's page may
# describe one itself, and then its own text wins.
$shared = @{}
$sharedTop = Split-Sections (Get-Content -LiteralPath (Join-Path $DocsPath 'shared/Parameters.md')) '## '
$sharedRaw = @{}
foreach ($entry in (Split-Sections $sharedTop['PARAMETERS'] '### ').GetEnumerator()) {
    $shared[$entry.Key.TrimStart('-')] = Get-Paragraphs $entry.Value
    $sharedRaw[$entry.Key.TrimStart('-')] = Get-Trimmed $entry.Value
}
# WhatIf and Confirm belong to a command's SYNTAX and PARAMETERS; the other common parameters do not.
$common = [System.Management.Automation.Cmdlet]::CommonParameters + @([System.Management.Automation.Cmdlet]::OptionalCommonParameters | Where-Object { $_ -notin 'WhatIf', 'Confirm' })
foreach ($standard in @(@('WhatIf', 'Shows what the command would do, and does nothing.'), @('Confirm', 'Asks before doing it, even with -Force.'))) {
    $shared[$standard[0]] = @($standard[1]); $sharedRaw[$standard[0]] = @($standard[1])
}
$problems = [System.Collections.Generic.List[string]]::new()

$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
$null = New-Item -ItemType Directory -Force -Path (Split-Path $OutFile)
$w = [System.Xml.XmlWriter]::Create($OutFile, $settings)
$w.WriteStartDocument()
$w.WriteStartElement('helpItems', 'http://msh')
$w.WriteAttributeString('schema', 'maml')

foreach ($cmd in ($module.ExportedCmdlets.Values | Sort-Object Name)) {
    $docPath = Join-Path $DocsPath "$($cmd.Name).md"
    if (-not (Test-Path -LiteralPath $docPath)) { $problems.Add("$($cmd.Name): no $docPath"); continue }
    $doc = Read-CmdletDoc $docPath
    foreach ($name in $shared.Keys) { if (-not $doc.Parameters.ContainsKey($name) -and $cmd.Parameters.ContainsKey($name)) { $doc.Parameters[$name] = $shared[$name] } }
    $params = @($cmd.Parameters.Values | Where-Object { $_.Name -notin $common } | Sort-Object { $_.Name })
    foreach ($p in $params) { if (-not $doc.Parameters.ContainsKey($p.Name)) { $problems.Add("$($cmd.Name): -$($p.Name) has no text in $docPath") } }
    foreach ($name in $doc.Parameters.Keys) { if ($name -notin $params.Name) { $problems.Add("$($cmd.Name): $docPath describes -$name, which does not exist") } }
    if ($MarkdownOut) { Write-CmdletMarkdown $cmd $docPath $params $sharedRaw (Join-Path $MarkdownOut "$($cmd.Name).md") }

    $w.WriteStartElement('command', 'command', $command)
    $w.WriteAttributeString('xmlns', 'maml', $null, $maml)
    $w.WriteAttributeString('xmlns', 'dev', $null, $dev)
    $w.WriteStartElement('command', 'details', $command)
    $w.WriteElementString('command', 'name', $command, $cmd.Name)
    $w.WriteElementString('command', 'verb', $command, $cmd.Verb)
    $w.WriteElementString('command', 'noun', $command, $cmd.Noun)
    Write-Paragraphs $w @($doc.Synopsis)
    $w.WriteEndElement()
    Write-Paragraphs $w $doc.Description

    $w.WriteStartElement('command', 'syntax', $command)
    foreach ($set in $cmd.ParameterSets) {
        $w.WriteStartElement('command', 'syntaxItem', $command)
        $w.WriteElementString('maml', 'name', $maml, $cmd.Name)
        # Positional parameters first, by position, then the mandatory ones, then the rest as declared: as Get-Command -Syntax shows them.
        $index = 0
        $ordered = $set.Parameters | Where-Object { $_.Name -notin $common } | ForEach-Object { [pscustomobject]@{ P = $_; I = $index++ } } |
            Sort-Object @{ e = { if ($_.P.Position -ge 0) { $_.P.Position } else { 1000 } } }, @{ e = { -[int]$_.P.IsMandatory } }, I | ForEach-Object P
        foreach ($sp in $ordered) {
            Write-Parameter $w (Get-ParameterFacts $cmd $cmd.Parameters[$sp.Name]) $sp @() $false
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $command)
    foreach ($p in $params) {
        $set = $cmd.ParameterSets.Parameters | Where-Object Name -eq $p.Name | Sort-Object { -[int]$_.IsMandatory } | Select-Object -First 1
        $text = if ($doc.Parameters.ContainsKey($p.Name)) { $doc.Parameters[$p.Name] } else { @() }
        Write-Parameter $w (Get-ParameterFacts $cmd $p) $set $text $true
    }
    $w.WriteEndElement()

    foreach ($kind in @(@{ List = 'inputTypes'; Item = 'inputType'; Entries = $doc.Inputs }, @{ List = 'returnValues'; Item = 'returnValue'; Entries = $doc.Outputs })) {
        $w.WriteStartElement('command', $kind.List, $command)
        foreach ($entry in $kind.Entries) {
            $w.WriteStartElement('command', $kind.Item, $command)
            $w.WriteStartElement('dev', 'type', $dev)
            $w.WriteElementString('maml', 'name', $maml, $entry.Type)
            $w.WriteEndElement()
            Write-Paragraphs $w $entry.Text
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }

    $w.WriteStartElement('maml', 'alertSet', $maml)
    $w.WriteStartElement('maml', 'alert', $maml)
    foreach ($p in $doc.Notes) { $w.WriteElementString('maml', 'para', $maml, $p) }
    $w.WriteEndElement()
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'examples', $command)
    foreach ($example in $doc.Examples) {
        $w.WriteStartElement('command', 'example', $command)
        $w.WriteElementString('maml', 'title', $maml, "-------------------------- $($example.Title) --------------------------")
        $w.WriteElementString('dev', 'code', $dev, $example.Code)
        $w.WriteStartElement('dev', 'remarks', $dev)
        foreach ($p in $example.Remarks) { $w.WriteElementString('maml', 'para', $maml, $p) }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $command)
    foreach ($link in $doc.Links) {
        $w.WriteStartElement('maml', 'navigationLink', $maml)
        $w.WriteElementString('maml', 'linkText', $maml, $link)
        $w.WriteElementString('maml', 'uri', $maml, '')
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteEndElement()
}
$w.WriteEndElement()
$w.WriteEndDocument()
$w.Dispose()

if ($problems.Count) {
    Remove-Item -LiteralPath $OutFile
    throw "Help is incomplete:`n  " + ($problems -join "`n  ")
}
