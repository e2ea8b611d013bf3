using ArenaInfra.Operations;

namespace ArenaInfra.Idle
{
    /// <summary>
    /// The idle probe's one command: each reading on a line of its own between a begin and an end line
    /// that carry a nonce, so what a login script prints before it cannot pose as a reading. Every part
    /// is bounded: three GPU samples, a find pruned and under a timeout, numbers only.
    /// </summary>
    internal static class IdleProbeScript
    {
        /// <summary>How long the file search may take on the pod before its reading is unknown.</summary>
        public const int FindSeconds = 20;

        public static string Command(string repoName, string nonce) =>
            "export LC_ALL=C\n" +
            $"echo 'ARENA-IDLE-BEGIN {nonce}'\n" +
            "echo \"NOW $(date +%s)\"\n" +
            "u=$(cut -d' ' -f1 /proc/uptime 2>/dev/null); echo \"UPTIME ${u%%.*}\"\n" +
            Connections +
            "v=$(grep -a -l -s -e \"$HOME/[.]vscode-server/\" /proc/[0-9]*/cmdline 2>/dev/null | wc -l); echo \"VSCODE ${v:-?}\"\n" +
            Gpu +
            $"repo=\"$HOME\"/{PodCheck.ShellQuote(repoName)}\n" +
            Files +
            $"echo 'ARENA-IDLE-END {nonce}'\n";

        // /proc/net/tcp{,6}: ports in hex. Our own session is the one from our client port (SSH_CONNECTION);
        // loopback peers are the pod talking to itself, not a person.
        private const string Connections =
            "set -- ${SSH_CONNECTION:-}\n" +
            "if [ $# -eq 4 ] && [ -r /proc/net/tcp ]; then\n" +
            "  c=$(printf '%04X' \"$2\"); s=$(printf '%04X' \"$4\")\n" +
            "  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v s=\"$s\" -v c=\"$c\" '\n" +
            "    $1 ~ /^[0-9]+:$/ { n++; l[n]=$2; r[n]=$3; st[n]=$4; split($2,a,\":\"); if ($4==\"0A\") listen[a[2]]=1 }\n" +
            "    END { ssh=0; other=0\n" +
            "      for (i=1;i<=n;i++) { if (st[i]!=\"01\") continue; split(l[i],a,\":\"); split(r[i],b,\":\")\n" +
            "        if (a[2]==s) { if (b[2]!=c) ssh++; continue }\n" +
            "        if (!(a[2] in listen)) continue\n" +
            "        ip=b[1]; lo=(length(ip)==8 && substr(ip,7,2)==\"7F\") || ip==\"00000000000000000000000001000000\" || (substr(ip,1,24)==\"0000000000000000FFFF0000\" && substr(ip,31,2)==\"7F\")\n" +
            "        if (!lo) other++ }\n" +
            "      print \"SSH \" ssh; print \"INBOUND \" other }'\n" +
            "else echo 'SSH ?'; echo 'INBOUND ?'; fi\n";

        private const string Gpu =
            "for i in 1 2 3; do\n" +
            "  if out=$(nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits 2>/dev/null); then printf '%s\\n' \"$out\" | head -n 64 | sed \"s/^/GPU $i /\"; else echo \"GPU $i ?\"; fi\n" +
            "  [ $i -lt 3 ] && sleep 1\n" +
            "done\n";

        // GNU find's -printf; any failure (a find without it, the timeout) leaves the reading unknown.
        private static readonly string Files =
            "set -- \"$HOME\"; [ -d \"$repo\" ] && set -- \"$HOME\" \"$repo\"\n" +
            "t=; command -v timeout >/dev/null 2>&1 && t=\"timeout " + FindSeconds + "\"\n" +
            "{ $t find \"$@\" -xdev -maxdepth 16 \\( -name .git -o -name .cache -o -name .vscode-server -o -name site-packages -o -name __pycache__ -o -name node_modules -o -name .ipynb_checkpoints \\) -prune -o \\( -type f -o -type d \\) -printf '%T@\\n' 2>/dev/null; echo \"END $?\"; } |\n" +
            "  awk 'BEGIN { m=-1 } /^END / { e=$2; next } { v=$1+0; if (v>m) m=v } END { if (e!=\"0\") print \"FILES ?\"; else if (m<0) print \"FILES none\"; else printf \"FILES %d\\n\", m }'\n";
    }
}
