using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ArenaInfra.Operations;

namespace ArenaInfra.Jobs
{
    /// <summary>
    /// The shell the pod runs for jobs. Everything a job needs is in ~/.arena-jobs/&lt;id&gt;/: command.sh,
    /// output.log (stdout and stderr), pid (the wrapper's, which leads its own session and process group),
    /// started, ended, exit (written by the wrapper when the command ends) and stopped. Values read back
    /// are printed as hex, so nothing in a file can pose as a line of ours; a link is never read.
    /// </summary>
    internal static class JobScripts
    {
        public const string Folder = "$HOME/.arena-jobs";
        public const int MaxJobsListed = 1000;

        /// <summary>Checks the jobs folder is ours to use: no link, a folder.</summary>
        private const string Base =
            "base=\"" + Folder + "\"\n" +
            "if [ -L \"$base\" ] || { [ -e \"$base\" ] && [ ! -d \"$base\" ]; }; then echo 'ARENA-JOB-ERROR ~/.arena-jobs is a link or not a folder' >&2; exit 3; fi\n";

        /// <summary>
        /// alive=1 when the pid file holds only digits and that process is this job's wrapper (its command
        /// line names the job), so a reused pid after a restart is not taken for the job.
        /// </summary>
        private const string Alive =
            "alive=0; p=\n" +
            "if [ -f \"$d/pid\" ] && [ ! -L \"$d/pid\" ]; then p=$(head -c 16 -- \"$d/pid\" 2>/dev/null); fi\n" +
            "case \"$p\" in ''|*[!0-9]*) p= ;; *) if [ -r \"/proc/$p/cmdline\" ] && tr '\\0' ' ' < \"/proc/$p/cmdline\" 2>/dev/null | grep -qF \"arena-job-$id \"; then alive=1; fi ;; esac\n";

        private const string Hex =
            "hx() { v=; if [ -f \"$1\" ] && [ ! -L \"$1\" ]; then v=$(head -c \"$2\" -- \"$1\" 2>/dev/null | od -An -v -tx1 | tr -d ' \\n'); fi; printf '%s' \"${v:--}\"; }\n";

        /// <summary>Starts the command (given on standard input) detached: its own session, no terminal, no SSH channel.</summary>
        public static string Start(string id) =>
            "set -u\n" + Base + "umask 077\n" +
            "mkdir -p \"$base\" || exit 3\n" +
            $"id={Checked(id)}\nd=\"$base/$id\"\n" +
            "mkdir \"$d\" || { echo 'ARENA-JOB-ERROR the job folder could not be made' >&2; exit 3; }\n" +
            "cat > \"$d/command.sh\" || exit 3\n" +
            "cd \"$HOME\" || exit 3\n" +
            // setsid: the wrapper leads a new session and process group (its pid is the group id), so the
            // SSH session's end sends it nothing and Stop can end the whole group.
            "setsid nohup bash -c 'd=$1; date +%s > \"$d/started\"; echo $$ > \"$d/pid\"; bash \"$d/command.sh\" > \"$d/output.log\" 2>&1 < /dev/null; code=$?; date +%s > \"$d/ended\"; echo \"$code\" > \"$d/exit.tmp\" && mv -f \"$d/exit.tmp\" \"$d/exit\"' \"arena-job-$id\" \"$d\" > /dev/null 2>&1 < /dev/null &\n" +
            "i=0; while [ ! -s \"$d/pid\" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done\n" +
            "[ -s \"$d/pid\" ] || { echo 'ARENA-JOB-ERROR the job did not start within 10 s' >&2; exit 4; }\n" +
            "echo ARENA-JOB-STARTED\n";

        /// <summary>Lists the jobs (all, or the given ids) as one ARENA-JOB line each, the values as hex.</summary>
        public static string List(IReadOnlyList<string>? ids)
        {
            var which = ids == null ? "\"$base\"/" + JobId.Glob : string.Join(" ", ids.Select(i => "\"$base\"/" + Checked(i)));
            return "set -u\n" + Base + Hex +
                "[ -d \"$base\" ] || exit 0\n" +
                "n=0\n" +
                $"for d in {which}; do\n" +
                "id=${d##*/}\n" +
                $"case \"$id\" in {JobId.Glob}) ;; *) continue ;; esac\n" +
                "if [ ! -d \"$d\" ] || [ -L \"$d\" ]; then echo \"ARENA-JOB-MISSING $id\"; continue; fi\n" +
                $"n=$((n+1)); [ $n -gt {MaxJobsListed} ] && break\n" +
                Alive +
                "s=0; [ -e \"$d/stopped\" ] && s=1\n" +
                "echo \"ARENA-JOB $id $alive $(hx \"$d/pid\" 32) $(hx \"$d/started\" 32) $(hx \"$d/ended\" 32) $(hx \"$d/exit\" 32) $s $(hx \"$d/command.sh\" 2000)\"\n" +
                "done\n";
        }

        /// <summary>
        /// Reads the log from a byte offset (or its last cap bytes when offset is null), at most cap
        /// bytes: ARENA-JOB-READ alive size start, then the bytes as hex.
        /// </summary>
        public static string Read(string id, long? offset, int cap) =>
            "set -u\n" + Base + $"id={Checked(id)}\nd=\"$base/$id\"; f=\"$d/output.log\"\n" +
            "if [ ! -d \"$d\" ] || [ -L \"$d\" ]; then echo ARENA-JOB-MISSING; exit 0; fi\n" +
            "if [ -L \"$f\" ] || { [ -e \"$f\" ] && [ ! -f \"$f\" ]; }; then echo ARENA-JOB-BADLOG; exit 0; fi\n" +
            Alive +
            "size=0; [ -f \"$f\" ] && size=$(wc -c < \"$f\" | tr -cd 0-9)\n" +
            "size=${size:-0}\n" +
            (offset == null
                ? $"start=$(( size > {cap} ? size - {cap} : 0 ))\n"
                : $"start={offset.Value.ToString(CultureInfo.InvariantCulture)}; [ $start -gt $size ] && start=$size\n") +
            $"n=$(( size - start )); [ $n -gt {cap} ] && n={cap}\n" +
            "echo \"ARENA-JOB-READ $alive $size $start\"\n" +
            "if [ $n -gt 0 ]; then tail -c +$((start + 1)) -- \"$f\" | head -c $n | od -An -v -tx1; fi\n" +
            "echo ARENA-JOB-END\n";

        /// <summary>
        /// Ends each job's process group: TERM, then KILL after the grace, then checks no process of the
        /// group is left. ARENA-STOP id gone|alive|ended|missing.
        /// </summary>
        public static string Stop(IReadOnlyList<string> ids, int graceSec) =>
            "set -u\n" + Base +
            $"for id in {string.Join(" ", ids.Select(Checked))}; do\n" +
            "d=\"$base/$id\"\n" +
            "if [ ! -d \"$d\" ] || [ -L \"$d\" ]; then echo \"ARENA-STOP $id missing\"; continue; fi\n" +
            Alive +
            "if [ $alive = 0 ]; then echo \"ARENA-STOP $id ended\"; continue; fi\n" +
            "rm -f -- \"$d/stopped\"; echo 1 > \"$d/stopped\"\n" +
            "kill -TERM -- -$p 2>/dev/null\n" +
            $"i=0; while kill -0 -- -$p 2>/dev/null && [ $i -lt {graceSec * 5} ]; do sleep 0.2; i=$((i+1)); done\n" +
            "if kill -0 -- -$p 2>/dev/null; then kill -KILL -- -$p 2>/dev/null; i=0; while kill -0 -- -$p 2>/dev/null && [ $i -lt 25 ]; do sleep 0.2; i=$((i+1)); done; fi\n" +
            "if kill -0 -- -$p 2>/dev/null; then echo \"ARENA-STOP $id alive\"; else echo \"ARENA-STOP $id gone\"; fi\n" +
            "done\n";

        private static string Checked(string id) =>
            JobId.IsValid(id) ? PodCheck.ShellQuote(id) : throw new System.ArgumentException("not a job id", nameof(id));
    }
}
