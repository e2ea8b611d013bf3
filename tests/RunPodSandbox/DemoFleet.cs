namespace RunPodSandbox;

/// <summary>A small fleet in every state an organiser meets, for the demo.</summary>
public static class DemoFleet
{
    public static void Seed(SandboxState state, string prefix)
    {
        Pod(state, $"{prefix}-alpha", "RUNNING", 0.17, uptimeHours: 26);
        Pod(state, $"{prefix}-bravo", "RUNNING", 0.17, uptimeHours: 26);
        Pod(state, $"{prefix}-charlie", "RUNNING", 0.17, uptimeHours: null);
        Pod(state, $"{prefix}-delta", "EXITED", 0.17, uptimeHours: null);
        Pod(state, "notebook-scratch", "RUNNING", 0.44, uptimeHours: 3, gpu: "A40");
    }

    private static void Pod(SandboxState state, string name, string status, double cost, int? uptimeHours, string gpu = "RTX A4000")
    {
        var pod = new SandboxPod
        {
            Name = name,
            DesiredStatus = status,
            ImageName = "nickypro/arena-env:6.1",
            GpuTypeId = "NVIDIA " + gpu,
            CostPerHr = cost,
            ContainerDiskInGb = 100,
            VolumeMountPath = "/workspace",
            Ports = "8888/http,22/tcp",
            Env = new List<string> { $"MACHINE_NAME={name[(name.IndexOf('-') + 1)..]}", $"PUBLIC_KEY={state.Options.SeedPublicKey}" },
            Machine = new SandboxMachine { GpuDisplayName = gpu, Location = "CZ" },
            LastStatusChange = SandboxState.StatusChange(status == "EXITED" ? "Exited by User" : "Rented by User"),
        };
        var seeded = state.Seed(pod, runtimeGiven: false);
        if (uptimeHours is int hours)
        {
            seeded.ReadyAt = DateTimeOffset.UtcNow.AddHours(-hours);
        }
        else if (status == "RUNNING")
        {
            // Still pulling its image: Starting for the first part of the demo, and its log says so.
            seeded.ReadyAt = DateTimeOffset.UtcNow + state.Options.StartDelay;
            var earlier = DateTimeOffset.UtcNow.AddSeconds(-40);
            seeded.Log = new List<SandboxLogLine>
            {
                new() { Source = "system", Line = "Pod assigned to machine in EU-CZ-1", Ts = earlier },
                new() { Source = "system", Line = "Pulling image nickypro/arena-env:6.1", Ts = earlier.AddSeconds(2) },
                new() { Source = "system", Line = "Downloaded 3.1 GB of 7.8 GB (community host, 40 MB/s)", Ts = earlier.AddSeconds(38) },
            };
        }
        else
        {
            seeded.ReadyAt = DateTimeOffset.MaxValue;
        }
    }
}
