using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace ArenaInfra.Tests.Support;

/// <summary>
/// An interactive host for tests: it records every question a command asks (ShouldProcess and
/// ShouldContinue both come here as PromptForChoice) and answers each with the next planned answer.
/// </summary>
public sealed class PromptingHost : PSHost
{
    private readonly PromptingUI _ui = new();

    public override string Name => "ArenaInfraTestHost";
    public override Version Version => new(1, 0);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    public override PSHostUserInterface UI => _ui;

    /// <summary>The questions asked so far, caption and message.</summary>
    public IReadOnlyList<string> Prompts => _ui.Prompts;

    /// <summary>What the host writes (What if: lines among them).</summary>
    public string Written
    {
        get
        {
            // A command may write from its pipeline thread while a test reads.
            lock (_ui.Written) return _ui.Written.ToString();
        }
    }

    /// <summary>Answer the next questions yes or no (the default is no).</summary>
    public void Answer(params bool[] answers)
    {
        foreach (var answer in answers) _ui.Answers.Enqueue(answer);
    }

    public void Clear()
    {
        _ui.Prompts.Clear();
        _ui.Answers.Clear();
        _ui.Written.Clear();
    }

    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
    public override void SetShouldExit(int exitCode) { }

    private sealed class PromptingUI : PSHostUserInterface
    {
        public List<string> Prompts { get; } = new();
        public Queue<bool> Answers { get; } = new();
        public System.Text.StringBuilder Written { get; } = new();

        public override PSHostRawUserInterface? RawUI => null;

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            lock (Prompts) Prompts.Add($"{caption}: {message}");
            var yes = Answers.Count > 0 && Answers.Dequeue();
            var wanted = yes ? "&Yes" : "&No";
            for (var i = 0; i < choices.Count; i++) if (choices[i].Label == wanted) return i;
            throw new InvalidOperationException("No " + wanted + " among " + string.Join(", ", choices.Select(c => c.Label)));
        }

        public override void Write(string value) { lock (Written) Written.Append(value); }
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);
        public override void WriteLine(string value) => Write(value + "\n");
        public override void WriteErrorLine(string value) => Write(value + "\n");
        public override void WriteDebugLine(string message) { }
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override void WriteVerboseLine(string message) { }
        public override void WriteWarningLine(string message) { }
        public override string ReadLine() => throw new NotSupportedException();
        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException();
        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw new NotSupportedException();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();
    }
}
