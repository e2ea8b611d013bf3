using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace ArenaInfra.Operations
{
    /// <summary>copy_api_keys, made idempotent: exactly one export line a variable in ~/.bashrc and ~/.zshrc.</summary>
    internal sealed class PodSecretOperation : PodOperation<ArenaPodSecretResult>
    {
        private readonly Func<ArenaPod, IReadOnlyList<(string Name, string Value)>> _variables;

        /// <summary>variables: what to set on each pod (a CSV gives each pod its own value).</summary>
        public PodSecretOperation(Func<ArenaPod, IReadOnlyList<(string Name, string Value)>> variables) => _variables = variables;

        public override string Activity => "Setting secrets";

        /// <summary>Sets each variable; the value travels on standard input, so no process list or log ever shows it.</summary>
        protected override bool Work(PodSession pod, ArenaPodSecretResult result)
        {
            var variables = _variables(pod.Pod);
            var set = new List<string>();
            foreach (var (name, value) in variables)
            {
                var script = string.Join("\n",
                    "set -e",
                    "IFS= read -r value || [ -n \"$value\" ]",
                    "quoted=$(printf '%s' \"$value\" | sed \"s/'/'\\\\\\\\''/g\")",
                    "for f in \"$HOME/.bashrc\" \"$HOME/.zshrc\"; do",
                    "  touch \"$f\"",
                    $"  grep -v '^export {name}=' \"$f\" > \"$f.arena-tmp\" || true",
                    $"  printf \"export {name}='%s'\\n\" \"$quoted\" >> \"$f.arena-tmp\"",
                    "  chmod 600 \"$f.arena-tmp\" && mv -f \"$f.arena-tmp\" \"$f\"",
                    "done");
                if (!pod.Step("SetVariable", script, new UTF8Encoding(false).GetBytes(value + "\n")))
                {
                    result.Error = $"{name}: {result.Error}";
                    return false;
                }
                set.Add(name);
                result.Variables = set.ToArray();
            }
            return true;
        }
    }

}
