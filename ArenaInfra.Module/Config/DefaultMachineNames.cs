namespace ArenaInfra.Config
{
    /// <summary>The old scripts' 55 machine names, in the order that fixes each one's proxy port.</summary>
    internal static class DefaultMachineNames
    {
        public static readonly string[] All =
        {
            "apple", "autumn", "bloom", "breeze", "cedar", "cherry", "cloud", "clover", "comet", "coral",
            "crystal", "daisy", "dawn", "dune", "ember", "falcon", "fern", "flame", "forest", "frost",
            "galaxy", "garden", "glacier", "harbor", "hazel", "iris", "ivy", "jade", "jasmine", "juniper",
            "lagoon", "lark", "lemon", "lotus", "maple", "meadow", "mint", "nova", "oak", "ocean",
            "olive", "orchid", "pebble", "pine", "quartz", "raven", "river", "sage", "sky", "spruce",
            "storm", "tiger", "violet", "willow", "zebra",
        };
    }
}
