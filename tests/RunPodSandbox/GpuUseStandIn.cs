namespace RunPodSandbox;

/// <summary>
/// The stand-in nvidia-smi's answer to the idle probe's query (utilization.gpu,memory.used): an idle
/// GPU unless a test planted use in the pod's gpu-use file (next to its home), which is then printed
/// as it is, hostile or not.
/// </summary>
public static class GpuUseStandIn
{
    public const string FileName = "gpu-use";

    public static string Case(string dir, int gpus)
    {
        var file = Path.Combine(dir, FileName).Replace("'", "'\\''");
        var idle = string.Concat(Enumerable.Repeat("0, 3\\n", gpus));
        return $"  *utilization.gpu,memory.used*) if [ -f '{file}' ]; then cat '{file}'; else printf '{idle}'; fi ;;\n";
    }
}
