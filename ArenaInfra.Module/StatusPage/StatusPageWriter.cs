using System;
using System.IO;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using ArenaInfra.Common.IO;
using Newtonsoft.Json;

namespace ArenaInfra.StatusPage
{
    /// <summary>
    /// Writes the page and its data into one folder, for a web server to serve. Both files are public
    /// by design (status.json is the allow-list and nothing else), so they are written readable by
    /// everyone (0644), unlike every other file the module writes: a web server runs as another user
    /// and could not serve an owner-only file. A link in place of the folder or of either file is
    /// refused, never followed; each file is replaced atomically, so a server never sends half of one.
    /// </summary>
    internal static class StatusPageWriter
    {
        public const string PageName = "index.html";
        public const string StatusName = "status.json";
        private const string PolicyMark = "__CONTENT_SECURITY_POLICY__";

        /// <summary>The page with its Content-Security-Policy: nothing from elsewhere, its own inline script and style by hash, fetches to its own origin only.</summary>
        public static readonly string Page = Render(Load());

        public static string Json(StatusFile status) =>
            // EscapeHtml: a '<' in a name is \u003c in the file too, for anything that ever reads it as markup.
            JsonConvert.SerializeObject(status, new JsonSerializerSettings { Formatting = Formatting.Indented, StringEscapeHandling = StringEscapeHandling.EscapeHtml }) + "\n";

        /// <summary>Writes status.json, then index.html, into the folder (made, readable by all, when missing).</summary>
        public static void Write(string folder, StatusFile status)
        {
            var statusPath = Path.Combine(folder, StatusName);
            var pagePath = Path.Combine(folder, PageName);
            try
            {
                RefuseLink(folder);
                if (File.Exists(folder)) throw Failed(folder, "it is a file, not a folder");
                if (!Directory.Exists(folder))
                {
                    Directory.CreateDirectory(folder);
                    // The folder the page lives in must be enterable by the web server's user, whatever the umask.
                    if (!SafeFile.SetMode(folder, Convert.ToInt32("755", 8))) throw Failed(folder, "its permissions could not be set");
                }
                RefuseLink(statusPath);
                RefuseLink(pagePath);
                // The data first: a page from an earlier version still reads it, as the version says.
                SafeFile.WriteWorldReadable(statusPath, Json(status));
                SafeFile.WriteWorldReadable(pagePath, Page);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException || e is ArgumentException)
            {
                throw Failed(folder, e.Message);
            }
        }

        private static void RefuseLink(string path)
        {
            if (!IsLink(path)) return;
            throw new ArenaException(ArenaErrorIds.StatusPagePathIsLink, ErrorCategory.PermissionDenied,
                $"'{path}' is a link; the status page is never written through one, so nothing was written.",
                "Give -Path the real folder (or remove the link): the page's folder and files must be the ones written.", target: path);
        }

        /// <summary>A symbolic link or junction at the path, one to nothing included (a write would follow it).</summary>
        private static bool IsLink(string path)
        {
            try
            {
                return (File.GetAttributes(path) & FileAttributes.ReparsePoint) != 0;
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                return false;
            }
        }

        private static ArenaException Failed(string folder, string why) =>
            new ArenaException(ArenaErrorIds.StatusPageWriteFailed, ErrorCategory.WriteError,
                $"The status page could not be written to '{folder}': {why}.",
                "Check that the folder can be written by this user (and that its disk has room), or choose another -Path.", target: folder);

        /// <summary>The Content-Security-Policy for this page: its inline script and style allowed by their SHA-256, nothing else loaded.</summary>
        internal static string Policy(string html) =>
            "default-src 'none'; connect-src 'self'; " +
            $"script-src '{Hash(Between(html, "<script>", "</script>"))}'; style-src '{Hash(Between(html, "<style>", "</style>"))}'; " +
            "img-src 'none'; base-uri 'none'; form-action 'none'";

        private static string Render(string template) => template.Replace(PolicyMark, Policy(template));

        private static string Hash(string text)
        {
            using var sha = SHA256.Create();
            return "sha256-" + Convert.ToBase64String(sha.ComputeHash(new UTF8Encoding(false).GetBytes(text)));
        }

        /// <summary>The text of the one element of this kind; the template has exactly one.</summary>
        private static string Between(string html, string open, string close)
        {
            var start = html.IndexOf(open, StringComparison.Ordinal);
            var end = start < 0 ? -1 : html.IndexOf(close, start, StringComparison.Ordinal);
            if (start < 0 || end < 0 || html.IndexOf(open, start + 1, StringComparison.Ordinal) >= 0)
            {
                throw new InvalidOperationException($"The status page's template must hold exactly one {open}.");
            }
            return html.Substring(start + open.Length, end - start - open.Length);
        }

        private static string Load()
        {
            using var stream = typeof(StatusPageWriter).Assembly.GetManifestResourceStream("ArenaInfra.StatusPage.StatusPage.html")
                ?? throw new InvalidOperationException("The status page's template is missing from the module.");
            using var reader = new StreamReader(stream);
            // One line ending whatever the checkout did, so the page (and its hashes) are the same everywhere.
            return reader.ReadToEnd().Replace("\r\n", "\n");
        }
    }
}
