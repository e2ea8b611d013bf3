using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Config;
using ArenaInfra.Providers;
using ArenaInfra.RunPod;

namespace ArenaInfra.Static
{
    /// <summary>
    /// The machines of the hosts file as a provider: each line a pod with the id static-&lt;machine&gt;,
    /// Running only when its sshd greeted a quick probe, else Down. Their life is the organiser's: every
    /// lifecycle call is refused with NotSupportedByProvider before anything is done, naming what to do
    /// by hand. The file is read again at every listing, so a line added or removed counts at once.
    /// </summary>
    internal sealed class StaticHosts : IPodProvider
    {
        public const string IdPrefix = "static-";
        /// <summary>How long a machine's sshd has to greet: a machine that answers does so in milliseconds.</summary>
        public static readonly TimeSpan DefaultProbeTimeout = TimeSpan.FromSeconds(2);
        /// <summary>Machines probed at once.</summary>
        public const int Parallel = 32;

        private static readonly Regex IdShape = new Regex("^" + IdPrefix + "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\z", RegexOptions.CultureInvariant);

        private readonly string _path;
        private readonly FleetNaming _naming;
        private readonly TimeSpan _probeTimeout;

        public StaticHosts(string path, FleetNaming naming, TimeSpan? probeTimeout = null)
        {
            _path = path;
            _naming = naming;
            _probeTimeout = probeTimeout ?? DefaultProbeTimeout;
        }

        /// <summary>The provider of the config's hosts file; null when ARENA_HOSTS is not set.</summary>
        public static StaticHosts? For(ArenaConfig config) =>
            config.HostsPath == null ? null : new StaticHosts(config.HostsPath, new FleetNaming(config.Prefix));

        public ArenaProvider Provider => ArenaProvider.Static;

        public static string IdOf(string machine) => IdPrefix + machine;

        /// <summary>Exactly static-&lt;machine&gt; with a machine that is a host-name label: no RunPod or Vast id has that shape.</summary>
        public bool Owns(string podId) => IdShape.IsMatch(podId);

        public async Task<IReadOnlyList<ArenaPod>> ListPodsAsync(CancellationToken cancellationToken)
        {
            var machines = HostsFile.Read(_path, _naming);
            using var gate = new SemaphoreSlim(Parallel);
            var pods = machines.Select(async machine =>
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    return await PodOfAsync(machine, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            }).ToList();
            return await Task.WhenAll(pods).ConfigureAwait(false);
        }

        public async Task<ArenaPod?> GetPodAsync(string podId, CancellationToken cancellationToken)
        {
            if (!Owns(podId)) return null;
            var machine = HostsFile.Read(_path, _naming).FirstOrDefault(m => IdOf(m.Machine) == podId);
            return machine == null ? null : await PodOfAsync(machine, cancellationToken).ConfigureAwait(false);
        }

        public Task<ArenaPod> CreatePodAsync(PodCreateSpec spec, CancellationToken cancellationToken) =>
            Task.FromException<ArenaPod>(Refusal(spec.MachineName.Length > 0 ? spec.MachineName : spec.Name, "create",
                "Make the machine in your provider's console, then add a line for it to ARENA_HOSTS (machine,host,port,user[,gpu]); it joins the fleet at the next listing."));

        public Task StopPodAsync(string podId, CancellationToken cancellationToken) =>
            Task.FromException(Refusal(MachineOf(podId), "stop",
                "Stop it in your provider's console; remove its line from ARENA_HOSTS to drop it from the fleet."));

        public Task<ArenaPod> StartPodAsync(string podId, int gpuCount, CancellationToken cancellationToken) =>
            Task.FromException<ArenaPod>(Refusal(MachineOf(podId), "start",
                "Start it in your provider's console; it shows Running here once its sshd answers."));

        public Task TerminatePodAsync(string podId, CancellationToken cancellationToken) =>
            Task.FromException(Refusal(MachineOf(podId), "remove",
                "Remove it in your provider's console, and its line from ARENA_HOSTS to drop it from the fleet."));

        /// <summary>What a lifecycle command says of a machine made by hand, before it does anything.</summary>
        public static ArenaException Refusal(string machine, string action, string byHand) =>
            new ArenaException(ArenaErrorIds.NotSupportedByProvider, ErrorCategory.InvalidOperation,
                $"The machine '{UntrustedValue.Printable(machine)}' was made by hand (it is in the hosts file, ARENA_HOSTS), so the module cannot {action} it; nothing was done.",
                byHand, target: machine);

        private string MachineOf(string podId) => Owns(podId) ? podId.Substring(IdPrefix.Length) : podId;

        private async Task<ArenaPod> PodOfAsync(StaticMachine machine, CancellationToken cancellationToken)
        {
            var answers = await SshGreetingProbe.AnswersAsync(machine.Host, machine.Port, _probeTimeout, cancellationToken).ConfigureAwait(false);
            return new ArenaPod
            {
                Provider = ArenaProvider.Static,
                Id = IdOf(machine.Machine),
                Name = _naming.PodName(machine.Machine),
                MachineName = machine.Machine,
                IsFleetPod = true,
                // Never Running without a greeting: a port that is closed or silent is Down, whatever the machine is doing.
                Status = answers ? ArenaPodStatus.Running : ArenaPodStatus.Down,
                PublicIp = machine.Host,
                SshPort = machine.Port,
                SshUser = machine.User,
                GpuType = machine.Gpu,
                RetrievedAt = DateTimeOffset.UtcNow,
            };
        }
    }
}
