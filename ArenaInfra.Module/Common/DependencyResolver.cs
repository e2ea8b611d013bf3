using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;

namespace ArenaInfra
{
    /// <summary>
    /// Loads the module's own dependencies from its dependencies/ folder. Windows PowerShell has no
    /// binding redirects, and our libraries ask for other versions of System.Memory, Unsafe and
    /// Bcl.AsyncInterfaces than the ones shipped; this answers those requests, and only for the
    /// assemblies on the allow-list, so it never changes what another module gets.
    /// </summary>
    public sealed class DependencyResolver : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        /// <summary>Every assembly shipped in dependencies/; a test keeps this list and the folder in step.</summary>
        internal static readonly string[] AllowList =
        {
            "BouncyCastle.Cryptography",
            "Microsoft.Bcl.AsyncInterfaces",
            "Microsoft.Bcl.TimeProvider",
            "Microsoft.Extensions.DependencyInjection.Abstractions",
            "Microsoft.Extensions.Logging.Abstractions",
            "Newtonsoft.Json",
            "Polly.Core",
            "Renci.SshNet",
            "System.Buffers",
            "System.ComponentModel.Annotations",
            "System.Formats.Asn1",
            "System.Memory",
            "System.Numerics.Vectors",
            "System.Runtime.CompilerServices.Unsafe",
            "System.Threading.Tasks.Extensions",
        };

        private static readonly HashSet<string> Allowed = new HashSet<string>(AllowList, StringComparer.OrdinalIgnoreCase);
        private static readonly string Folder = Path.Combine(Path.GetDirectoryName(typeof(DependencyResolver).Assembly.Location) ?? ".", "dependencies");
        private static readonly object Gate = new object();
        private static readonly Dictionary<string, Assembly> Loaded = new Dictionary<string, Assembly>(StringComparer.OrdinalIgnoreCase);

        public void OnImport() => AppDomain.CurrentDomain.AssemblyResolve += Resolve;

        public void OnRemove(PSModuleInfo psModuleInfo) => AppDomain.CurrentDomain.AssemblyResolve -= Resolve;

        private static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name).Name;
            if (name == null || !Allowed.Contains(name)) return null;
            var path = Path.Combine(Folder, name + ".dll");
            if (!File.Exists(path)) return null;
            lock (Gate)
            {
                // One copy of each: whatever version was asked for, ours answers (what a binding redirect would do).
                if (Loaded.TryGetValue(name, out var assembly)) return assembly;
                assembly = Assembly.LoadFrom(path);
                Loaded[name] = assembly;
                return assembly;
            }
        }
    }
}
