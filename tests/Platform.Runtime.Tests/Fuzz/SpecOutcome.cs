using Platform.Runtime.Bundles;
using Platform.Runtime.Spec;
using Platform.Runtime.Validation;

namespace Platform.Runtime.Tests.Fuzz;

/// <summary>
/// What any config.json may do to the reader, the validator and the bundle check: give a spec back, or throw their
/// typed errors (RuntimeException from the loader and validator, BundleException from the bundle check).
/// </summary>
internal static class SpecOutcome
{
    /// <summary>Runs all three on <paramref name="json"/>, with <paramref name="bundle"/> holding a rootfs/ for the checks that look.</summary>
    public static void Check(byte[] json, string bundle)
    {
        (RuntimeSpec? spec, RuntimeException? unreadable) = Typed<RuntimeException, RuntimeSpec>(() => SpecLoader.Parse(json));
        Assert.True(unreadable is null or { Kind: RuntimeErrorKind.InvalidConfig }, $"an unreadable config must be InvalidConfig, was {unreadable?.Kind}");
        if (spec is not null)
        {
            (_, RuntimeException? invalid) = Typed<RuntimeException, string>(() => SpecValidator.Validate(spec, bundle));
            Assert.True(invalid is null or { Kind: RuntimeErrorKind.InvalidConfig or RuntimeErrorKind.Unsupported }, $"an invalid config must be InvalidConfig or Unsupported, was {invalid?.Kind}");
        }
        File.WriteAllBytes(Path.Join(bundle, BundleConfig.FileName), json);
        (_, BundleException? refused) = Typed<BundleException, RuntimeSpec>(() => BundleConfig.Load(bundle));
        Assert.True(refused is null or { Kind: BundleErrorKind.InvalidConfig }, $"a config error must be InvalidConfig, was {refused?.Kind}");
    }

    /// <summary>The result, or the <typeparamref name="TError"/> (with a message) that was thrown; anything else fails.</summary>
    private static (T? Result, TError? Error) Typed<TError, T>(Func<T> action) where TError : Exception where T : class
    {
        try
        {
            return (action(), null);
        }
        catch (TError e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return (null, e);
        }
        catch (Exception e)
        {
            Assert.Fail($"expected a result or a {typeof(TError).Name}, got {e}");
            throw;
        }
    }
}
