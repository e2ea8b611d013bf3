using System;

namespace ArenaInfra
{
    public enum ArenaSshRoute
    {
        Direct,
        Proxy,
    }
}
