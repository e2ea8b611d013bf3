using System;
using System.Collections.Generic;
using System.IO;
using Newtonsoft.Json;

namespace ArenaInfra
{
    public enum ArenaHostKeyPolicy
    {
        /// <summary>Record a pod's first key; accept a new key only after the pod restarted (RunPod makes new keys then).</summary>
        AcceptNew,
        /// <summary>Accept only keys recorded earlier.</summary>
        Strict,
        /// <summary>Accept any key, as the old scripts did.</summary>
        Ignore,
    }
}
