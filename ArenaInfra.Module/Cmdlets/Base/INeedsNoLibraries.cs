namespace ArenaInfra.Cmdlets.Base
{
    /// <summary>
    /// Marks a command whose code uses none of the third-party libraries (SSH.NET, Polly, BouncyCastle...),
    /// so running it does not load them (see DependencyResolver.LoadLibraries). A behaviour test runs each
    /// marked command and checks that no library was loaded.
    /// </summary>
    internal interface INeedsNoLibraries
    {
    }
}
