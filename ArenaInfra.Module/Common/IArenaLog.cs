namespace ArenaInfra.Common
{
    /// <summary>
    /// Where the layers below the cmdlets report what they do. Implementations must accept calls
    /// from any thread: a cmdlet queues them and writes them from the pipeline thread.
    /// </summary>
    internal interface IArenaLog
    {
        void Verbose(string message);
        void Debug(string message);
        void Warning(string message);
    }

    internal sealed class NullArenaLog : IArenaLog
    {
        public static readonly NullArenaLog Instance = new NullArenaLog();
        public void Verbose(string message) { }
        public void Debug(string message) { }
        public void Warning(string message) { }
    }
}
