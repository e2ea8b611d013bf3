namespace ArenaInfra
{
    /// <summary>One network volume of the RunPod account, as RunPod listed it (its text is RunPod's, shown only through TerminalText).</summary>
    public sealed class ArenaNetworkVolume
    {
        public ArenaNetworkVolume(string id, string name, int? sizeGb, string? dataCenter)
        {
            Id = id;
            Name = name;
            SizeGb = sizeGb;
            DataCenter = dataCenter;
        }

        public string Id { get; }
        public string Name { get; }
        public int? SizeGb { get; }
        public string? DataCenter { get; }
    }
}
