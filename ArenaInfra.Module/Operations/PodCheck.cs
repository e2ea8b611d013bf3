using System;
using System.Text.RegularExpressions;

namespace ArenaInfra.Operations
{
    /// <summary>
    /// The default pod check: in the course's conda env, import torch, require CUDA, name the GPU,
    /// and compute on it. The old check printed a CPU tensor, so pods with a broken GPU passed.
    /// </summary>
    internal static class PodCheck
    {
        // Double quotes only: the script travels inside single quotes.
        private const string Script =
            "import sys, torch\n" +
            "print(\"torch\", torch.__version__)\n" +
            "ok = torch.cuda.is_available()\n" +
            "print(\"cuda\", ok)\n" +
            "if not ok: sys.exit(3)\n" +
            "print(\"gpu\", torch.cuda.get_device_name(0))\n" +
            "x = torch.ones(256, 256, device=\"cuda\")\n" +
            "y = (x @ x).sum().item()\n" +
            "torch.cuda.synchronize()\n" +
            "if y != 256 ** 3: print(\"compute wrong\", y); sys.exit(4)\n" +
            "print(\"compute ok\")\n";

        /// <summary>Printed when the pod has no conda at all, so the error can say that rather than blame torch.</summary>
        public const string NoConda = "ARENA-NO-CONDA";

        public static string Command(string condaEnv) =>
            "if [ -x /opt/conda/bin/conda ]; then conda=/opt/conda/bin/conda; else conda=$(command -v conda) || { echo " + NoConda + " >&2; exit 127; }; fi\n"
            + $"exec \"$conda\" run --no-capture-output -n {ShellQuote(condaEnv)} python3 -c {ShellQuote(Script)}";

        /// <summary>What the default check's output says went wrong before torch could answer: conda, the env, or torch itself missing.</summary>
        public static string? WhatIsMissing(string stdErr, string condaEnv)
        {
            if (stdErr.Contains(NoConda)) return "conda is not installed on the pod (no /opt/conda/bin/conda, none on PATH), so the check cannot run; give -Command for a pod without conda";
            if (stdErr.Contains("EnvironmentLocationNotFound") || stdErr.Contains("Could not find conda environment") || stdErr.Contains("Not a conda environment"))
            {
                return $"the conda env '{condaEnv}' does not exist on the pod (CondaEnvName in the config names it)";
            }
            if (Regex.IsMatch(stdErr, "No module named '?torch'?")) return $"torch is not installed in the conda env '{condaEnv}'";
            return null;
        }

        public static (string? TorchVersion, bool? CudaAvailable, string? GpuName, bool ComputeOk) Parse(string output)
        {
            string? Line(string key)
            {
                var match = Regex.Match(output, $"^{key} (.+)$", RegexOptions.Multiline);
                return match.Success ? match.Groups[1].Value.Trim() : null;
            }
            var cuda = Line("cuda");
            return (Line("torch"), cuda == null ? (bool?)null : cuda == "True", Line("gpu"), Regex.IsMatch(output, "^compute ok\\s*$", RegexOptions.Multiline));
        }

        public static string ShellQuote(string text) => "'" + text.Replace("'", "'\"'\"'") + "'";
    }
}
