using System;
using System.Globalization;
using System.IO;
using ArenaInfra.Operations;

namespace ArenaInfra.Health
{
    /// <summary>The deep check's one command: the script with its settings, run under one timeout on the pod.</summary>
    internal static class DeepCheckScript
    {
        public static readonly string Text = Load();

        /// <summary>Time past the script's own budget before the module stops waiting: the pod's timeout should end it first.</summary>
        public static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

        public static string Command(DeepCheckOptions options)
        {
            var budget = ((int)Math.Ceiling(options.Budget.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            var settings =
                $"BUDGET={budget}\n" +
                $"URL={PodCheck.ShellQuote(options.DownloadUrl)}\n" +
                $"DL_BYTES={options.DownloadBytes.ToString(CultureInfo.InvariantCulture)}\n" +
                $"MIN_FREE_KB={(options.MinFreeBytes / 1024).ToString(CultureInfo.InvariantCulture)}\n" +
                $"MIN_MBPS={options.MinDownloadMBps.ToString("0.##", CultureInfo.InvariantCulture)}\n" +
                $"CONDA_ENV={PodCheck.ShellQuote(options.CondaEnv)}\n";
            // The whole run under the pod's own timeout, so a wedged stage ends there and says where; without
            // one the module's deadline ends it.
            return $"s={PodCheck.ShellQuote(settings + Text)}\n" +
                $"if command -v timeout >/dev/null 2>&1; then exec timeout -k 5 {budget} sh -c \"$s\" arena-deep-check; else exec sh -c \"$s\" arena-deep-check; fi";
        }

        private static string Load()
        {
            using var stream = typeof(DeepCheckScript).Assembly.GetManifestResourceStream("ArenaInfra.Health.DeepCheck.sh")
                ?? throw new InvalidOperationException("The deep check's script is missing from the module.");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Replace("\r\n", "\n");
        }
    }
}
