using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;

namespace ArenaInfra
{
    /// <summary>
    /// Loads the module's own libraries from its dependencies/ folder, only those on the allow-list.
    /// <para>
    /// PowerShell 7: ArenaInfra.psm1 loads this assembly into an AssemblyLoadContext of the module's own
    /// (named <see cref="ContextNamePrefix"/> and the module's folder) and imports it; <see cref="OnImport"/>
    /// finds that context and makes it the one <see cref="LoadLibraries"/> fills; a command starting calls <see cref="LoadLibraries"/>,
    /// which puts our libraries into that context before any of its code asks for them. A copy another
    /// module loaded into the default context, before or after us and of any version, is then never bound
    /// to our code, and ours never to theirs.
    /// </para>
    /// <para>
    /// Everywhere else (Windows PowerShell, which has no load contexts and no binding redirects, and the
    /// bare DLL imported without the manifest) one path serves: AppDomain.AssemblyResolve answers our
    /// assemblies' requests, and only theirs, with the copies shipped, whatever version they asked for.
    /// Another module's requests are never answered with our files.
    /// </para>
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

        private static readonly string Folder = Path.Combine(Path.GetDirectoryName(typeof(DependencyResolver).Assembly.Location) ?? ".", "dependencies");
        private static readonly object Gate = new object();
        private static readonly Dictionary<string, Assembly> Loaded = new Dictionary<string, Assembly>(StringComparer.OrdinalIgnoreCase);

        private static LoadContext? _context;
        private static bool _isolated;
        private static volatile bool _librariesLoaded;

        /// <summary>
        /// The start of the name ArenaInfra.psm1 gives the load context it makes (the module's folder follows).
        /// The same name keys the process's slot that keeps this assembly for the next import, so a second
        /// import, in this runspace or another, gets this copy and not a new one.
        /// </summary>
        internal const string ContextNamePrefix = "ArenaInfra ";

        /// <summary>
        /// PowerShell 7: makes <paramref name="context"/> (a System.Runtime.Loader.AssemblyLoadContext; typed
        /// object because netstandard2.0 does not have that type) the one <see cref="LoadLibraries"/> fills.
        /// Nothing is loaded yet: importing stays quick, and a command that needs no library never pays for one.
        /// </summary>
        internal static void LoadDependenciesInto(object context)
        {
            if (context == null) throw new ArgumentNullException(nameof(context));
            var own = LoadContext.Wrap(context);
            _context = own;
            _isolated = true;
            // A library asking for a version other than the one shipped still gets ours, not another module's.
            own.SubscribeResolving(context, ResolveMethod);
        }

        /// <summary>
        /// Puts every allow-listed library the host does not provide itself into the module's context, once.
        /// Called before any of our code that uses a library runs (a command starting): a context asks the
        /// default context before its own Resolving event, so a copy another module loaded there would be
        /// bound to our code unless ours is in our context first. What the host provides (the .NET runtime,
        /// and PowerShell's own assemblies such as its Newtonsoft.Json) stays shared: those types are the
        /// host's, and no module can replace them. Outside a context of our own, the resolver answers on demand.
        /// </summary>
        internal static void LoadLibraries()
        {
            var own = _context;
            if (!_isolated || own == null || _librariesLoaded) return;
            lock (Gate)
            {
                if (_librariesLoaded) return;
                var hostProvided = HostAssemblyNames();
                foreach (var name in AllowList.Where(n => !hostProvided.Contains(n))) Load(name, own.LoadFromPath);
                _librariesLoaded = true;
            }
        }

        /// <summary>
        /// Each import of this assembly. In the context ArenaInfra.psm1 made, the first import makes it ours
        /// and keeps this assembly in the process's slot the psm1 reads before it would load another copy.
        /// This is done here, not in the psm1, because a call into .NET from script is what an import pays
        /// most for: the psm1 makes only the calls it cannot avoid.
        /// </summary>
        public void OnImport()
        {
            if (_isolated) return;
            var ownContext = LoadContext.ModuleContextOf(typeof(DependencyResolver).Assembly, ContextNamePrefix);
            if (ownContext != null)
            {
                LoadDependenciesInto(ownContext.Value.Context);
                AppDomain.CurrentDomain.SetData(ownContext.Value.Name, typeof(DependencyResolver).Assembly);
                return;
            }
            AppDomain.CurrentDomain.AssemblyResolve += Resolve;
        }

        public void OnRemove(PSModuleInfo psModuleInfo) => AppDomain.CurrentDomain.AssemblyResolve -= Resolve;

        private static MethodInfo ResolveMethod => typeof(DependencyResolver).GetMethod(nameof(ResolveForCore), BindingFlags.NonPublic | BindingFlags.Static)!;

        /// <summary>PowerShell 7: a context could not find it; ours loads it from dependencies/.</summary>
        private static Assembly? ResolveForCore(object context, AssemblyName name) => Load(name.FullName, path => _context!.LoadFromPath(path));

        /// <summary>Outside a context of our own: one copy of each, whatever version was asked for (what a binding redirect does), for our assemblies only.</summary>
        private static Assembly? Resolve(object? sender, ResolveEventArgs args) =>
            AnswersFor(ModuleFolder, RequesterLocation(args.RequestingAssembly)) ? Load(args.Name, Assembly.LoadFrom) : null;

        private static readonly string ModuleFolder = Path.GetDirectoryName(typeof(DependencyResolver).Assembly.Location) ?? ".";

        private static string? RequesterLocation(Assembly? requester)
        {
            try
            {
                return requester == null || requester.IsDynamic ? null : requester.Location;
            }
            catch (NotSupportedException)
            {
                return null;
            }
        }

        /// <summary>
        /// Whether a request comes from one of ours: ArenaInfra.dll or a library in its dependencies/ folder.
        /// A request with no requester, or from anywhere else, is another module's business (as PSResourceGet
        /// answers only its own), so a module that ships an older copy of the same library keeps it.
        /// </summary>
        internal static bool AnswersFor(string moduleFolder, string? requesterLocation)
        {
            if (string.IsNullOrEmpty(requesterLocation)) return false;
            var folder = Path.GetDirectoryName(Path.GetFullPath(requesterLocation!));
            var root = Path.GetFullPath(moduleFolder).TrimEnd(Path.DirectorySeparatorChar);
            return string.Equals(folder, root, StringComparison.OrdinalIgnoreCase)
                || string.Equals(folder, Path.Combine(root, "dependencies"), StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>
        /// The file that answers a request for <paramref name="assemblyName"/> (any version): the shipped copy
        /// in <paramref name="folder"/>, or null when the name is not on the allow-list or not shipped.
        /// </summary>
        internal static string? ShippedPath(string folder, string? assemblyName)
        {
            if (string.IsNullOrEmpty(assemblyName)) return null;
            string? name;
            try
            {
                name = new AssemblyName(assemblyName).Name;
            }
            catch (Exception e) when (e is FileLoadException || e is ArgumentException)
            {
                return null;
            }
            // The allow-list's spelling names the file: assembly names ignore case, some file systems do not.
            var shipped = AllowList.FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
            if (shipped == null) return null;
            var path = Path.Combine(folder, shipped + ".dll");
            return File.Exists(path) ? path : null;
        }

        private static Assembly? Load(string? assemblyName, Func<string, Assembly> load)
        {
            var path = ShippedPath(Folder, assemblyName);
            if (path == null) return null;
            var name = Path.GetFileNameWithoutExtension(path);
            lock (Gate)
            {
                if (Loaded.TryGetValue(name, out var assembly)) return assembly;
                assembly = load(path);
                Loaded[name] = assembly;
                return assembly;
            }
        }

        /// <summary>The simple names of the assemblies the host's runtime binds by itself (its trusted platform list).</summary>
        private static HashSet<string> HostAssemblyNames()
        {
            var list = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "";
            return new HashSet<string>(
                list.Split(new[] { Path.PathSeparator }, StringSplitOptions.RemoveEmptyEntries).Select(Path.GetFileNameWithoutExtension),
                StringComparer.OrdinalIgnoreCase);
        }

        /// <summary>
        /// System.Runtime.Loader.AssemblyLoadContext, reached by reflection: the module targets
        /// netstandard2.0, which does not have it, and Windows PowerShell's runtime does not either.
        /// </summary>
        private sealed class LoadContext
        {
            private readonly object _context;
            private readonly MethodInfo _loadFromPath;
            private readonly EventInfo _resolving;

            private LoadContext(object context)
            {
                var type = context.GetType();
                while (type.FullName != "System.Runtime.Loader.AssemblyLoadContext" && type.BaseType != null) type = type.BaseType;
                _context = context;
                _loadFromPath = type.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) })!;
                _resolving = type.GetEvent("Resolving")!;
            }

            public static LoadContext Wrap(object context) => new LoadContext(context);

            /// <summary>
            /// The load context <paramref name="assembly"/> is in and its name, when that name starts with
            /// <paramref name="namePrefix"/>; null elsewhere (the default context, another host's context, or a
            /// runtime without load contexts).
            /// </summary>
            public static (object Context, string Name)? ModuleContextOf(Assembly assembly, string namePrefix)
            {
                var type = Type.GetType("System.Runtime.Loader.AssemblyLoadContext", throwOnError: false);
                var context = type?.GetMethod("GetLoadContext", new[] { typeof(Assembly) })?.Invoke(null, new object[] { assembly });
                if (context == null) return null;
                var name = type!.GetProperty("Name")?.GetValue(context) as string;
                return name != null && name.StartsWith(namePrefix, StringComparison.Ordinal) ? (context, name) : ((object, string)?)null;
            }

            public Assembly LoadFromPath(string path) => (Assembly)_loadFromPath.Invoke(_context, new object[] { path })!;

            public Delegate SubscribeResolving(object target, MethodInfo handler)
            {
                // Func<AssemblyLoadContext, AssemblyName, Assembly?> bound to a method taking (object, AssemblyName).
                var resolving = Delegate.CreateDelegate(_resolving.EventHandlerType!, handler);
                _resolving.AddEventHandler(target, resolving);
                return resolving;
            }

        }
    }
}
