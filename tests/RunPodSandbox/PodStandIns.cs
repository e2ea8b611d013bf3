namespace RunPodSandbox;

/// <summary>
/// What a sandbox pod finds on its PATH where a GPU pod has real tools: nvidia-smi, conda running
/// this machine's own python3 with a stand-in torch, nproc, and for a slow host a curl that is
/// slow. Each acts as the pod's machine says (SandboxHost), so the module's real checks run
/// against them and meet each bad host as they would on RunPod.
/// </summary>
public static class PodStandIns
{
    public const string CudaVersion = "12.8";

    /// <summary>This machine's python3, found once; null when there is none (the conda stand-in is then left out).</summary>
    public static readonly Lazy<string?> Python = new(() => Find("python3", "/usr/bin/python3", "/usr/local/bin/python3"));
    public static readonly Lazy<string?> Curl = new(() => Find("curl", "/usr/bin/curl", "/usr/local/bin/curl"));

    public static void Write(string dir, SandboxPod pod)
    {
        var host = pod.Host ?? new SandboxHost { Id = pod.MachineId ?? "" };
        var bin = Path.Combine(dir, "bin");
        Directory.CreateDirectory(bin);
        var gpus = Math.Max(1, pod.GpuCount);
        var model = pod.GpuTypeId ?? "NVIDIA RTX A4000";
        if (host.Fault == "noNvidiaSmi") File.Delete(Path.Combine(bin, "nvidia-smi"));
        else Script(bin, "nvidia-smi", NvidiaSmi(gpus, model, host.DriverVersion, GpuUseStandIn.Case(dir, gpus)));
        Script(bin, "nproc", "#!/bin/sh\n# A RunPod host has many CPUs; this machine's load is shared with the tests.\necho 64\n");
        if (host.Fault == "slowDownload" && Curl.Value != null)
        {
            // This host's link is slow: the sandbox's download goes to its throttled twin, anything else is rate-limited;
            // the last --max-time given wins, so a test does not wait long for it.
            Script(bin, "curl", "#!/bin/sh\n# A stand-in for curl on a host with a slow link.\n" +
                "for a in \"$@\"; do\n  shift\n  case \"$a\" in */_sandbox/download) a=\"$a/slow\" ;; esac\n  set -- \"$@\" \"$a\"\ndone\n" +
                $"exec '{Curl.Value}' --limit-rate 100k \"$@\" --max-time 3\n");
        }
        else
        {
            File.Delete(Path.Combine(bin, "curl"));
        }
        if (Python.Value == null) return;
        var torchGpus = host.Fault == "missingGpu" ? gpus - 1 : gpus;
        var badGpu = host.Fault == "badMatmul" ? gpus - 1 : -1;
        WriteTorch(Path.Combine(dir, "py"));
        Script(bin, "conda", Conda(Path.Combine(dir, "py"), torchGpus, badGpu, host.Fault == "badPeer", model));
    }

    private static string NvidiaSmi(int gpus, string model, string driver, string gpuUse)
    {
        var view = string.Join("", Enumerable.Range(0, gpus).Select(i => $"{i}, {model}, {1234 + i * 1000}, 16376, {37 + i}\\n"));
        var drivers = string.Join("", Enumerable.Range(0, gpus).Select(i => $"{i}, {model}, {driver}\\n"));
        return "#!/bin/sh\n# A stand-in for nvidia-smi in the RunPod sandbox.\n" +
            "case \"$*\" in\n" +
            gpuUse +
            $"  *driver_version*) printf '{drivers}' ;;\n" +
            $"  *--query-gpu*) printf '{view}' ;;\n" +
            $"  *) printf 'NVIDIA-SMI {driver}    Driver Version: {driver}    CUDA Version: {CudaVersion}\\n' ;;\n" +
            "esac\n";
    }

    private static string Conda(string py, int torchGpus, int badGpu, bool badPeer, string model) =>
        "#!/bin/sh\n# A stand-in for conda: 'conda run -n ENV python3 ...' runs this machine's python3 with the stand-in torch.\n" +
        "while [ $# -gt 0 ]; do\n  case \"$1\" in\n    run|--no-capture-output|--live-stream) shift ;;\n    -n|--name) shift 2 ;;\n    *) break ;;\n  esac\ndone\n" +
        "case \"${1:-}\" in python|python3) shift ;; *) exec \"$@\" ;; esac\n" +
        $"PYTHONPATH='{py}' ARENA_SANDBOX_TORCH_GPUS={torchGpus} ARENA_SANDBOX_BAD_GPU={badGpu} ARENA_SANDBOX_BAD_PEER={(badPeer ? 1 : 0)} ARENA_SANDBOX_CUDA={CudaVersion} ARENA_SANDBOX_GPU_NAME='{model}' exec '{Python.Value}' \"$@\"\n";

    private static void WriteTorch(string py)
    {
        var torch = Path.Combine(py, "torch");
        Directory.CreateDirectory(Path.Combine(torch, "cuda"));
        File.WriteAllText(Path.Combine(torch, "__init__.py"), TorchInit);
        File.WriteAllText(Path.Combine(torch, "version.py"), "import os\ncuda = os.environ.get(\"ARENA_SANDBOX_CUDA\", \"12.8\")\n");
        File.WriteAllText(Path.Combine(torch, "cuda", "__init__.py"), TorchCuda);
        File.WriteAllText(Path.Combine(torch, "cuda", "nccl.py"), TorchNccl);
    }

    // A tensor is its shape, one value every element holds, an identity for random ones, and its device:
    // enough for the checks' known answers, and a bad GPU's wrong one.
    private const string TorchInit = """
        "A stand-in for torch in the RunPod sandbox: what the module's checks use, acting as the pod's machine says."
        import os
        import random

        __version__ = "2.7.1+sandbox"


        def _gpus():
            return int(os.environ.get("ARENA_SANDBOX_TORCH_GPUS", "1"))


        def _device(device):
            device = str(device)
            if device == "cpu":
                return "cpu"
            if device == "cuda":
                device = "cuda:0"
            if not device.startswith("cuda:"):
                raise RuntimeError("Expected one of cpu, cuda device type at start of device string: " + device)
            index = int(device[5:])
            if index >= _gpus():
                raise RuntimeError("CUDA error: invalid device ordinal")
            return device


        class Tensor:
            def __init__(self, shape, value, device="cpu", token=None):
                self.shape = tuple(shape)
                self.value = value
                self.device = _device(device)
                self.token = token

            def numel(self):
                n = 1
                for s in self.shape:
                    n *= s
                return n

            def __matmul__(self, other):
                value = self.value * other.value * self.shape[-1]
                bad = int(os.environ.get("ARENA_SANDBOX_BAD_GPU", "-1"))
                if bad >= 0 and self.device == "cuda:%d" % bad:
                    value += 1.0
                return Tensor((self.shape[0], other.shape[-1]), value, self.device)

            def sum(self):
                return Tensor((), self.value * self.numel(), self.device, self.token)

            def item(self):
                return self.value

            def to(self, device):
                # A host whose GPUs cannot reach each other: what crosses from one GPU to another arrives changed.
                crossing = str(self.device).startswith("cuda") and str(device).startswith("cuda") and str(device) != str(self.device)
                if crossing and os.environ.get("ARENA_SANDBOX_BAD_PEER") == "1":
                    return Tensor(self.shape, self.value + 1.0, device, self.token)
                return Tensor(self.shape, self.value, device, self.token)

            def cpu(self):
                return self.to("cpu")


        def _shape(shape):
            return shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


        def ones(*shape, device="cpu", dtype=None):
            return Tensor(_shape(shape), 1.0, device)


        def full(shape, value, device="cpu", dtype=None):
            return Tensor(shape, float(value), device)


        def randn(*shape, device="cpu", dtype=None):
            return Tensor(_shape(shape), random.random(), device, random.random())


        def equal(a, b):
            return a.shape == b.shape and a.value == b.value and a.token == b.token


        from torch import cuda, version  # noqa: E402
        """;

    private const string TorchCuda = """
        import os


        def device_count():
            return int(os.environ.get("ARENA_SANDBOX_TORCH_GPUS", "1"))


        def is_available():
            return device_count() > 0


        def init():
            if device_count() == 0:
                raise RuntimeError("CUDA driver initialization failed, you might not have a CUDA gpu.")


        def get_device_name(index=0):
            if index >= device_count():
                raise RuntimeError("CUDA error: invalid device ordinal")
            return os.environ.get("ARENA_SANDBOX_GPU_NAME", "NVIDIA RTX A4000")


        def synchronize(device=None):
            return None
        """;

    private const string TorchNccl = """
        import os


        def all_reduce(inputs, outputs=None, op=None):
            if os.environ.get("ARENA_SANDBOX_BAD_PEER") == "1":
                raise RuntimeError("NCCL error in: ../torch/csrc/cuda/nccl.cpp:1043, unhandled system error")
            total = sum(t.value for t in inputs)
            for t in outputs or inputs:
                t.value = total
        """;

    private static void Script(string bin, string name, string text)
    {
        var path = Path.Combine(bin, name);
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    private static string? Find(string name, params string[] usual)
    {
        foreach (var candidate in usual)
        {
            if (File.Exists(candidate)) return candidate;
        }
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
