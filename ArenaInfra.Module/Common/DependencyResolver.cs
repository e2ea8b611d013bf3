using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;

namespace ArenaInfra
{
    /// <summary>
    /// Loads the module's own dependencies from its dependencies/ folder, only for the assemblies on the
    /// allow-list. On PowerShell 7 they go into an AssemblyLoadContext of their own, so a module that
    /// loads another Polly or SSH.NET later gets its own copy and is not broken by ours. On Windows
    /// PowerShell, which has no binding redirects, it answers our libraries' requests for other versions
    /// of System.Memory, Unsafe and Bcl.AsyncInterfaces with the ones shipped.
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

        private static LoadContext? _context;
        private static Delegate? _resolving;

        public void OnImport()
        {
            _context = LoadContext.TryCreate();
            if (_context != null)
            {
                _resolving = _context.SubscribeDefaultResolving(typeof(DependencyResolver).GetMethod(nameof(ResolveForCore), BindingFlags.NonPublic | BindingFlags.Static)!);
            }
            else
            {
                AppDomain.CurrentDomain.AssemblyResolve += Resolve;
            }
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            if (_context != null && _resolving != null) _context.UnsubscribeDefaultResolving(_resolving);
            AppDomain.CurrentDomain.AssemblyResolve -= Resolve;
        }

        /// <summary>PowerShell 7: the default context could not find it; ours loads it from dependencies/.</summary>
        private static Assembly? ResolveForCore(object context, AssemblyName name) => Load(name.Name, path => _context!.LoadFromPath(path));

        /// <summary>Windows PowerShell: one copy of each, whatever version was asked for (what a binding redirect does).</summary>
        private static Assembly? Resolve(object? sender, ResolveEventArgs args) => Load(new AssemblyName(args.Name).Name, Assembly.LoadFrom);

        private static Assembly? Load(string? name, Func<string, Assembly> load)
        {
            if (name == null || !Allowed.Contains(name)) return null;
            var path = Path.Combine(Folder, name + ".dll");
            if (!File.Exists(path)) return null;
            lock (Gate)
            {
                if (Loaded.TryGetValue(name, out var assembly)) return assembly;
                assembly = load(path);
                Loaded[name] = assembly;
                return assembly;
            }
        }

        /// <summary>
        /// System.Runtime.Loader.AssemblyLoadContext, reached by reflection: the module targets
        /// netstandard2.0, which does not have it, and Windows PowerShell's runtime does not either.
        /// </summary>
        private sealed class LoadContext
        {
            private readonly object _context;
            private readonly object _default;
            private readonly MethodInfo _loadFromPath;
            private readonly EventInfo _resolving;

            private LoadContext(Type type)
            {
                _context = Activator.CreateInstance(type, "ArenaInfra", false)!;
                _default = type.GetProperty("Default", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
                _loadFromPath = type.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) })!;
                _resolving = type.GetEvent("Resolving")!;
            }

            public static LoadContext? TryCreate()
            {
                var type = Type.GetType("System.Runtime.Loader.AssemblyLoadContext, System.Runtime.Loader", throwOnError: false);
                if (type == null || type.GetConstructor(new[] { typeof(string), typeof(bool) }) == null) return null;
                try
                {
                    return new LoadContext(type);
                }
                catch (Exception e) when (e is TargetInvocationException || e is MissingMethodException || e is NullReferenceException || e is PlatformNotSupportedException)
                {
                    return null;
                }
            }

            public Assembly LoadFromPath(string path) => (Assembly)_loadFromPath.Invoke(_context, new object[] { path })!;

            public Delegate SubscribeDefaultResolving(MethodInfo handler)
            {
                // Func<AssemblyLoadContext, AssemblyName, Assembly?> bound to a method taking (object, AssemblyName).
                var resolving = Delegate.CreateDelegate(_resolving.EventHandlerType!, handler);
                _resolving.AddEventHandler(_default, resolving);
                return resolving;
            }

            public void UnsubscribeDefaultResolving(Delegate resolving) => _resolving.RemoveEventHandler(_default, resolving);
        }
    }
}
