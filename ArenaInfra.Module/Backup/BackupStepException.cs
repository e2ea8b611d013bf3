using System;

namespace ArenaInfra.Backup
{
    /// <summary>A backup step that failed on the pod's side; the step's name goes into FailedStep.</summary>
    internal sealed class BackupStepException : Exception
    {
        public BackupStepException(string step, string message) : base(message)
        {
            Step = step;
        }

        public string Step { get; }
    }
}
