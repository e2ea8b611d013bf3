using GraphQL;
using GraphQL.Types;

namespace RunPodSandbox;

// RunPod's GraphQL schema, the subset the module uses, with RunPod's type and field names. A real
// GraphQL engine serves it, so a query for a field RunPod lacks fails validation as it would there.
// The input types of pod, podStop, podResume and podTerminate have names of the sandbox's own: no
// official client names them (they pass podId inline), so a client that declares one fails here.

public sealed class SandboxSchema : Schema
{
    public SandboxSchema()
    {
        Query = new QueryType();
        Mutation = new MutationType();
    }
}

public sealed class SandboxUserContext : Dictionary<string, object?>
{
    public SandboxUserContext(SandboxState state) => State = state;
    public SandboxState State { get; }

    public static SandboxState StateOf(IResolveFieldContext context) => ((SandboxUserContext)context.UserContext).State;
}

public sealed class QueryType : ObjectGraphType
{
    public QueryType()
    {
        Name = "Query";
        Field<UserType>("myself").Resolve(_ => new object());
        Field<PodType>("pod")
            .Argument<NonNullGraphType<PodFilterInput>>("input")
            .Resolve(c => SandboxUserContext.StateOf(c).GetPod((string)c.GetArgument<Dictionary<string, object?>>("input")["podId"]!));
        Field<ListGraphType<GpuTypeType>>("gpuTypes")
            .Argument<GpuTypeFilterInput>("input")
            .Resolve(c =>
            {
                var id = c.GetArgument<Dictionary<string, object?>>("input")?.GetValueOrDefault("id") as string;
                return SandboxState.GpuTypes.Where(g => id == null || g.Key == id).Select(g => new GpuTypeInfo(g.Key, g.Value.Display, g.Value.Community, g.Value.Secure)).ToList();
            });
    }
}

public sealed class UserType : ObjectGraphType
{
    public UserType()
    {
        Name = "User";
        Field<StringGraphType>("id").Resolve(_ => "user_sandbox");
        Field<FloatGraphType>("clientBalance").Resolve(c => SandboxUserContext.StateOf(c).Money().ClientBalance);
        Field<FloatGraphType>("currentSpendPerHr").Resolve(c => SandboxUserContext.StateOf(c).CurrentSpendPerHr());
        Field<FloatGraphType>("spendLimit").Resolve(c => SandboxUserContext.StateOf(c).Money().SpendLimit);
        Field<BooleanGraphType>("underBalance").Resolve(c => SandboxUserContext.StateOf(c).Money().UnderBalance);
        Field<ListGraphType<PodType>>("pods").Resolve(c => SandboxUserContext.StateOf(c).ListPods());
        // The account's registered SSH keys, one a line, as GraphQL's myself.pubKey has them.
        Field<StringGraphType>("pubKey").Resolve(c => string.Join("\n", SandboxUserContext.StateOf(c).AccountSshKeys()));
    }
}

public sealed record GpuTypeInfo(string Id, string DisplayName, double CommunityPrice, double SecurePrice);

public sealed class GpuTypeType : ObjectGraphType<GpuTypeInfo>
{
    public GpuTypeType()
    {
        Name = "GpuType";
        Field<StringGraphType>("id").Resolve(c => c.Source.Id);
        Field<StringGraphType>("displayName").Resolve(c => c.Source.DisplayName);
        Field<IntGraphType>("memoryInGb").Resolve(_ => 16);
        Field<FloatGraphType>("communityPrice").Resolve(c => c.Source.CommunityPrice);
        Field<FloatGraphType>("securePrice").Resolve(c => c.Source.SecurePrice);
    }
}

public sealed class PodType : ObjectGraphType<SandboxPod>
{
    public PodType()
    {
        Name = "Pod";
        Field<NonNullGraphType<StringGraphType>>("id").Resolve(c => c.Source.Id);
        Field<StringGraphType>("name").Resolve(c => c.Source.Name);
        Field<StringGraphType>("desiredStatus").Resolve(c => c.Source.DesiredStatus);
        Field<StringGraphType>("imageName").Resolve(c => c.Source.ImageName);
        Field<IntGraphType>("gpuCount").Resolve(c => c.Source.GpuCount);
        Field<FloatGraphType>("costPerHr").Resolve(c => c.Source.CostPerHr);
        Field<IntGraphType>("containerDiskInGb").Resolve(c => c.Source.ContainerDiskInGb);
        Field<IntGraphType>("volumeInGb").Resolve(c => c.Source.VolumeInGb);
        Field<StringGraphType>("volumeMountPath").Resolve(c => c.Source.VolumeMountPath);
        Field<IntGraphType>("memoryInGb").Resolve(c => c.Source.MemoryInGb);
        Field<IntGraphType>("vcpuCount").Resolve(c => c.Source.VcpuCount);
        Field<StringGraphType>("podType").Resolve(c => c.Source.PodType);
        Field<StringGraphType>("machineId").Resolve(c => c.Source.MachineId);
        Field<StringGraphType>("ports").Resolve(c => c.Source.Ports);
        Field<ListGraphType<StringGraphType>>("env").Resolve(c => c.Source.Env);
        Field<StringGraphType>("lastStatusChange").Resolve(c => c.Source.LastStatusChange);
        Field<StringGraphType>("dockerArgs").Resolve(c => c.Source.DockerArgs);
        // RunPod always sends 0 here; the real figure is runtime.uptimeInSeconds.
        Field<IntGraphType>("uptimeSeconds").Resolve(_ => 0);
        Field<PodMachineType>("machine").Resolve(c => c.Source.Machine);
        Field<PodRuntimeType>("runtime").Resolve(c => SandboxUserContext.StateOf(c).RuntimeOf(c.Source));
    }
}

public sealed class PodMachineType : ObjectGraphType<SandboxMachine>
{
    public PodMachineType()
    {
        Name = "PodMachineInfo";
        Field<StringGraphType>("gpuDisplayName").Resolve(c => c.Source.GpuDisplayName);
        Field<StringGraphType>("location").Resolve(c => c.Source.Location);
        Field<StringGraphType>("podHostId").Resolve(c => c.Source.PodHostId);
    }
}

public sealed class PodRuntimeType : ObjectGraphType<SandboxRuntime>
{
    public PodRuntimeType()
    {
        Name = "PodRuntime";
        Field<IntGraphType>("uptimeInSeconds").Resolve(c => c.Source.UptimeInSeconds);
        Field<ListGraphType<PodRuntimePortsType>>("ports").Resolve(c => c.Source.Ports);
        Field<ListGraphType<PodRuntimeGpusType>>("gpus").Resolve(_ => Array.Empty<object>());
    }
}

public sealed class PodRuntimePortsType : ObjectGraphType<SandboxPort>
{
    public PodRuntimePortsType()
    {
        Name = "PodRuntimePorts";
        Field<StringGraphType>("ip").Resolve(c => c.Source.Ip);
        Field<BooleanGraphType>("isIpPublic").Resolve(c => c.Source.IsIpPublic);
        Field<IntGraphType>("privatePort").Resolve(c => c.Source.PrivatePort);
        Field<IntGraphType>("publicPort").Resolve(c => c.Source.PublicPort);
        Field<StringGraphType>("type").Resolve(c => c.Source.Type);
    }
}

public sealed class PodRuntimeGpusType : ObjectGraphType
{
    public PodRuntimeGpusType()
    {
        Name = "PodRuntimeGpus";
        Field<StringGraphType>("id").Resolve(_ => null);
        Field<IntGraphType>("gpuUtilPercent").Resolve(_ => 0);
        Field<IntGraphType>("memoryUtilPercent").Resolve(_ => 0);
    }
}

public sealed class MutationType : ObjectGraphType
{
    public MutationType()
    {
        Name = "Mutation";
        Field<PodType>("podFindAndDeployOnDemand")
            .Argument<NonNullGraphType<PodFindAndDeployOnDemandInput>>("input")
            .Resolve(c => SandboxUserContext.StateOf(c).Create(c.GetArgument<Dictionary<string, object?>>("input")));
        Field<PodType>("podStop")
            .Argument<NonNullGraphType<PodStopInput>>("input")
            .Resolve(c => SandboxUserContext.StateOf(c).Stop(PodId(c)));
        Field<PodType>("podResume")
            .Argument<NonNullGraphType<PodResumeInput>>("input")
            .Resolve(c => SandboxUserContext.StateOf(c).Resume(PodId(c)));
        // RunPod's podTerminate returns Void: null on success.
        Field<StringGraphType>("podTerminate")
            .Argument<NonNullGraphType<PodTerminateInput>>("input")
            .Resolve(c =>
            {
                SandboxUserContext.StateOf(c).Terminate(PodId(c));
                return null;
            });
    }

    private static string PodId(IResolveFieldContext c) => (string)c.GetArgument<Dictionary<string, object?>>("input")["podId"]!;
}

public sealed class CloudTypeEnum : EnumerationGraphType
{
    public CloudTypeEnum()
    {
        Name = "CloudTypeEnum";
        Add("ALL", "ALL");
        Add("SECURE", "SECURE");
        Add("COMMUNITY", "COMMUNITY");
    }
}

public sealed class PodFilterInput : InputObjectGraphType
{
    public PodFilterInput()
    {
        Name = "SandboxPodQuery";
        Field<NonNullGraphType<StringGraphType>>("podId");
    }
}

public sealed class GpuTypeFilterInput : InputObjectGraphType
{
    public GpuTypeFilterInput()
    {
        Name = "GpuTypeFilter";
        Field<StringGraphType>("id");
    }
}

public sealed class EnvironmentVariableInput : InputObjectGraphType
{
    public EnvironmentVariableInput()
    {
        Name = "EnvironmentVariableInput";
        Field<NonNullGraphType<StringGraphType>>("key");
        Field<StringGraphType>("value");
    }
}

public sealed class PodFindAndDeployOnDemandInput : InputObjectGraphType
{
    public PodFindAndDeployOnDemandInput()
    {
        Name = "PodFindAndDeployOnDemandInput";
        Field<StringGraphType>("name");
        Field<StringGraphType>("imageName");
        Field<StringGraphType>("gpuTypeId");
        Field<IntGraphType>("gpuCount");
        Field<CloudTypeEnum>("cloudType");
        Field<IntGraphType>("containerDiskInGb");
        Field<IntGraphType>("volumeInGb");
        Field<StringGraphType>("volumeMountPath");
        Field<StringGraphType>("ports");
        Field<ListGraphType<EnvironmentVariableInput>>("env");
        Field<BooleanGraphType>("startSsh");
        Field<BooleanGraphType>("supportPublicIp");
        Field<StringGraphType>("templateId");
        Field<StringGraphType>("dataCenterId");
        Field<StringGraphType>("countryCode");
        Field<IntGraphType>("minVcpuCount");
        Field<IntGraphType>("minMemoryInGb");
        Field<StringGraphType>("dockerArgs");
        Field<StringGraphType>("networkVolumeId");
    }
}

public sealed class PodStopInput : InputObjectGraphType
{
    public PodStopInput()
    {
        Name = "SandboxPodStopRequest";
        Field<NonNullGraphType<StringGraphType>>("podId");
    }
}

public sealed class PodResumeInput : InputObjectGraphType
{
    public PodResumeInput()
    {
        Name = "SandboxPodResumeRequest";
        Field<NonNullGraphType<StringGraphType>>("podId");
        Field<IntGraphType>("gpuCount");
    }
}

public sealed class PodTerminateInput : InputObjectGraphType
{
    public PodTerminateInput()
    {
        Name = "SandboxPodTerminateRequest";
        Field<NonNullGraphType<StringGraphType>>("podId");
    }
}
