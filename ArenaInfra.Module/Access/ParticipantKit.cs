using System.Collections.Generic;

namespace ArenaInfra.Access
{
    /// <summary>
    /// The texts of the kit participants get: their ssh config, a README, and installers for
    /// Windows (install.ps1) and macOS/Linux (install.sh). Pure: the key is copied by the caller.
    /// </summary>
    internal static class ParticipantKit
    {
        public static string KeyName(string prefix) => prefix + "_key";

        /// <summary>The config as shipped: the key at ~/.ssh/arena/, which the installers make absolute.</summary>
        public static SshConfigOptions ConfigOptions(ArenaConfig config) => new SshConfigOptions
        {
            Mode = config.ProxyHost == null ? ArenaSshConfigMode.Direct : ArenaSshConfigMode.Proxy,
            Prefix = config.Prefix,
            User = config.SshUser,
            IdentityFile = "~/.ssh/arena/" + KeyName(config.Prefix),
            HostKeyChecking = ArenaSshHostKeyChecking.Off,
            ProxyHost = config.ProxyHost,
        };

        public static IReadOnlyDictionary<string, string> Files(ArenaConfig config, string sshConfig, string exampleHost)
        {
            var prefix = config.Prefix;
            var key = KeyName(prefix);
            return new Dictionary<string, string>
            {
                [prefix + ".conf"] = sshConfig,
                ["install.sh"] = InstallSh(prefix, key),
                ["install.ps1"] = InstallPs1(prefix, key),
                ["README.md"] = Readme(prefix, key, exampleHost, config.ProxyHost != null),
            };
        }

        private static string Marker(string prefix) => SshConfigInclude.Marker(prefix);

        private static string InstallSh(string prefix, string key) => $@"#!/bin/sh
# Installs SSH access to the {prefix} fleet for this user (macOS and Linux).
# Running it again changes nothing; your own ~/.ssh/config is kept as it is, with a backup.
set -eu
here=$(cd ""$(dirname ""$0"")"" && pwd)
ssh_dir=""$HOME/.ssh""
arena_dir=""$ssh_dir/arena""
mkdir -p ""$arena_dir""
chmod 700 ""$ssh_dir"" ""$arena_dir""

# The key: readable by you only, or ssh refuses it.
cp ""$here/{key}"" ""$arena_dir/{key}.new""
chmod 600 ""$arena_dir/{key}.new""
mv -f ""$arena_dir/{key}.new"" ""$arena_dir/{key}""

# The fleet's hosts, with the key's full path.
sed ""s|~/.ssh/arena/|$arena_dir/|g"" ""$here/{prefix}.conf"" > ""$arena_dir/{prefix}.conf.new""
chmod 600 ""$arena_dir/{prefix}.conf.new""
mv -f ""$arena_dir/{prefix}.conf.new"" ""$arena_dir/{prefix}.conf""

# Two lines at the top of ~/.ssh/config include it; nothing else there changes.
config=""$ssh_dir/config""
marker='{Marker(prefix)}'
include=""Include \""$arena_dir/{prefix}.conf\""""
if [ -f ""$config"" ] && [ ""$(sed -n 1p ""$config"")"" = ""$marker"" ] && [ ""$(sed -n 2p ""$config"")"" = ""$include"" ]; then
    echo ""The {prefix} fleet is already in $config.""
    exit 0
fi
tmp=""$config.arena-new""
{{
    printf '%s\n%s\n' ""$marker"" ""$include""
    if [ -f ""$config"" ]; then
        if grep -qxF ""$marker"" ""$config""; then
            awk -v m=""$marker"" 'skip {{ skip = 0; next }} $0 == m {{ skip = 1; next }} {{ print }}' ""$config""
        else
            cat ""$config""
        fi
    fi
}} > ""$tmp""
if [ -f ""$config"" ]; then cp -p ""$config"" ""$config.arena-backup""; fi
chmod 600 ""$tmp""
mv -f ""$tmp"" ""$config""
echo ""Installed: try 'ssh {prefix}-<machine name>'.""
";

        private static string InstallPs1(string prefix, string key) => $@"# Installs SSH access to the {prefix} fleet for this user (Windows PowerShell 5.1 or PowerShell 7, any OS).
# Running it again changes nothing; your own ~/.ssh/config is kept byte for byte, with a backup.
$ErrorActionPreference = 'Stop'
$here = $PSScriptRoot
$sshDir = Join-Path $HOME '.ssh'
$arenaDir = Join-Path $sshDir 'arena'
$null = New-Item -ItemType Directory -Force -Path $arenaDir
$onWindows = $env:OS -eq 'Windows_NT'   # set by Windows itself, in every PowerShell edition

# The key, readable by you only: Windows OpenSSH refuses a key that others can read.
$key = Join-Path $arenaDir '{key}'
Copy-Item -LiteralPath (Join-Path $here '{key}') -Destination $key -Force
if ($onWindows) {{
    $null = & icacls.exe $key /inheritance:r /grant:r ""$($env:USERNAME):(F)""
    if ($LASTEXITCODE -ne 0) {{ throw ""icacls could not restrict $key to $($env:USERNAME)."" }}
}}
else {{
    & chmod 600 $key
}}

# The fleet's hosts, with the key's full path (forward slashes work on every OS).
$utf8 = New-Object System.Text.UTF8Encoding($false)
$arenaPath = ($arenaDir -replace '\\', '/') + '/'
$conf = [System.IO.File]::ReadAllText((Join-Path $here '{prefix}.conf')).Replace('~/.ssh/arena/', $arenaPath)
[System.IO.File]::WriteAllText((Join-Path $arenaDir '{prefix}.conf'), $conf, $utf8)

# Two lines at the top of ~/.ssh/config include it; every other byte stays as it is.
$config = Join-Path $sshDir 'config'
$latin1 = [System.Text.Encoding]::GetEncoding(28591)
$marker = '{Marker(prefix)}'
$include = 'Include ""' + $arenaPath + '{prefix}.conf""'
$before = if (Test-Path -LiteralPath $config) {{ $latin1.GetString([System.IO.File]::ReadAllBytes($config)) }} else {{ '' }}
$newline = if ($before.Contains(""`r`n"")) {{ ""`r`n"" }} else {{ ""`n"" }}
$block = $latin1.GetString($utf8.GetBytes($marker + $newline + $include + $newline))
if ($before.StartsWith($block)) {{
    Write-Output 'The {prefix} fleet is already in your ssh config.'
    return
}}
$lines = [regex]::Split($before, '(?<=\n)')
$kept = New-Object System.Text.StringBuilder
for ($i = 0; $i -lt $lines.Count; $i++) {{
    if ($lines[$i].TrimEnd(""`r"", ""`n"") -eq $marker) {{ $i++; continue }}
    $null = $kept.Append($lines[$i])
}}
if (Test-Path -LiteralPath $config) {{ Copy-Item -LiteralPath $config -Destination ""$config.arena-backup"" -Force }}
[System.IO.File]::WriteAllBytes($config, $latin1.GetBytes($block + $kept.ToString()))
Write-Output ""Installed: try 'ssh {prefix}-<machine name>'.""
";

        private static string Readme(string prefix, string key, string exampleHost, bool proxy) => $@"# SSH access to the {prefix} machines

This folder holds everything you need to reach your machine:

- `{key}`: the private key for the machines. Keep it to yourself and the course.
- `{prefix}.conf`: the list of machines for SSH{(proxy ? " (they are reached through one proxy, so this file never changes)" : "")}.
- `install.ps1` (Windows) and `install.sh` (macOS, Linux): put both where SSH finds them.

## Install

**Windows** (PowerShell, in this folder):

    powershell -ExecutionPolicy Bypass -File .\install.ps1

**macOS or Linux** (a terminal, in this folder):

    sh install.sh

The installer copies the key into `~/.ssh/arena/` (readable by you only), writes the machine
list next to it, and adds two lines at the top of `~/.ssh/config` that include it. Your own
settings in `~/.ssh/config` are kept as they are; the previous file is saved as
`~/.ssh/config.arena-backup`. Running the installer again changes nothing.

## Connect

    ssh {exampleHost}

Use the machine name you were given instead of `{exampleHost}`.

## VS Code

Install the **Remote - SSH** extension, press F1, choose **Remote-SSH: Connect to Host...**, and
pick your machine ({prefix}-...) from the list.

## If it does not work

- `Permission denied (publickey)`: run the installer again; on macOS/Linux check that
  `~/.ssh/arena/{key}` has mode 600 (`chmod 600 ~/.ssh/arena/{key}`).
- `Connection refused` or a timeout: tell the organisers your machine's name.
";
    }
}
