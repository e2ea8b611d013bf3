namespace RunPodSandbox;

/// <summary>
/// Many fleet pods at once (--seed-count N), for measuring a large listing. They are running with a
/// fixed runtime, so no port is opened for each: thousands of listeners would be the test, not the list.
/// </summary>
public static class CountedFleet
{
    /// <summary>The machine name of the i-th seeded pod (from 1): "p00001", in creation order.</summary>
    public static string MachineName(int i) => $"p{i:00000}";

    public static void Seed(SandboxState state, string prefix, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            var machine = MachineName(i);
            var pod = new SandboxPod
            {
                Name = $"{prefix}-{machine}",
                DesiredStatus = "RUNNING",
                ImageName = "nickypro/arena-env:6.1",
                GpuTypeId = "NVIDIA RTX A4000",
                CostPerHr = 0.17,
                ContainerDiskInGb = 50,
                VolumeInGb = 20,
                VolumeMountPath = "/workspace",
                Ports = "8888/http,22/tcp",
                Env = new List<string> { $"MACHINE_NAME={machine}", "PUBLIC_KEY=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBenchBenchBenchBenchBenchBenchBenchBenchBen arena" },
                Machine = new SandboxMachine { GpuDisplayName = "RTX A4000", Location = "EU-CZ-1" },
                LastStatusChange = SandboxState.StatusChange("Rented by User"),
                Runtime = new SandboxRuntime
                {
                    UptimeInSeconds = 3600 + i,
                    Ports = new List<SandboxPort>
                    {
                        new() { Ip = $"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}", IsIpPublic = true, PrivatePort = 22, PublicPort = 10000 + i % 50000, Type = "tcp" },
                        new() { Ip = "100.65.0.2", IsIpPublic = false, PrivatePort = 8888, PublicPort = 60000, Type = "http" },
                    },
                },
            };
            state.Seed(pod, runtimeGiven: true);
        }
    }
}
