using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ArenaInfra.Common;
using ArenaInfra.Pods;
using ArenaInfra.RunPod;
using ArenaInfra.RunPod.GraphQl;

namespace ArenaInfra.Pods
{
    /// <summary>
    /// RunPods that live in this process, by the base address that names them: what lets tests run the
    /// commands against an in-memory RunPod. Nothing in the module registers one, so every address is
    /// reached over the network as configured.
    /// </summary>
    internal static class InProcessRunPods
    {
        private static readonly ConcurrentDictionary<string, Func<PodMapper, IRunPodBackend>> Registered =
            new ConcurrentDictionary<string, Func<PodMapper, IRunPodBackend>>(StringComparer.Ordinal);

        public static void Register(Uri baseUri, Func<PodMapper, IRunPodBackend> backend) => Registered[Key(baseUri)] = backend;

        public static void Remove(Uri baseUri) => Registered.TryRemove(Key(baseUri), out _);

        /// <summary>The backend registered at that address, seeing pods through the caller's mapper; null when none is.</summary>
        public static IRunPodBackend? At(Uri baseUri, PodMapper mapper) =>
            Registered.IsEmpty || !Registered.TryGetValue(Key(baseUri), out var make) ? null : make(mapper);

        private static string Key(Uri baseUri) => baseUri.AbsoluteUri.TrimEnd('/');
    }
}
