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
    [Parameter(Mandatory)] [string] $OutFile
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

function Read-CmdletDoc([string] $Path) {
    $lines = Get-Content -LiteralPath $Path
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

function Write-Parameter($w, $info, $set, [string[]] $text, [bool] $withDescription) {
    $position = if ($set.Position -ge 0) { [string]$set.Position } else { 'named' }
    $globbing = [bool]($info.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
    $w.WriteStartElement('command', 'parameter', $command)
    $w.WriteAttributeString('required', $set.IsMandatory.ToString().ToLowerInvariant())
    $w.WriteAttributeString('variableLength', 'true')
    $w.WriteAttributeString('globbing', $globbing.ToString().ToLowerInvariant())
    $w.WriteAttributeString('pipelineInput', (Get-PipelineText $set))
    $w.WriteAttributeString('position', $position)
    $w.WriteAttributeString('aliases', $(if ($info.Aliases.Count) { $info.Aliases -join ', ' } else { 'none' }))
    $w.WriteElementString('maml', 'name', $maml, $info.Name)
    if ($withDescription) { Write-Paragraphs $w $text }
    $isSwitch = $info.ParameterType -eq [System.Management.Automation.SwitchParameter]
    if (-not $isSwitch) {
        $w.WriteStartElement('command', 'parameterValue', $command)
        $w.WriteAttributeString('required', 'true')
        $w.WriteAttributeString('variableLength', 'false')
        $w.WriteString($info.ParameterType.Name)
        $w.WriteEndElement()
    }
    if ($withDescription) {
        $w.WriteStartElement('dev', 'type', $dev)
        $w.WriteElementString('maml', 'name', $maml, $info.ParameterType.FullName)
        $w.WriteEndElement()
        $w.WriteElementString('dev', 'defaultValue', $dev, $(if ($isSwitch) { 'False' } else { 'None' }))
    }
    $w.WriteEndElement()
}

$module = Import-Module $ModuleManifest -PassThru -Force
# Parameters many commands share are described once, in shared/Parameters.md; a command's page may
# describe one itself, and then its own text wins.
$shared = @{}
$sharedTop = Split-Sections (Get-Content -LiteralPath (Join-Path $DocsPath 'shared/Parameters.md')) '## '
foreach ($entry in (Split-Sections $sharedTop['PARAMETERS'] '### ').GetEnumerator()) { $shared[$entry.Key.TrimStart('-')] = Get-Paragraphs $entry.Value }
$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
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
        foreach ($sp in ($set.Parameters | Where-Object { $_.Name -notin $common })) {
            Write-Parameter $w $cmd.Parameters[$sp.Name] $sp @() $false
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $command)
    foreach ($p in $params) {
        $set = $cmd.ParameterSets.Parameters | Where-Object Name -eq $p.Name | Sort-Object { -[int]$_.IsMandatory } | Select-Object -First 1
        $text = if ($doc.Parameters.ContainsKey($p.Name)) { $doc.Parameters[$p.Name] } else { @() }
        Write-Parameter $w $p $set $text $true
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
