using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Platform.Api.Tests.Fuzz;

/// <summary>
/// Generated bodies and path segments against function settings, tenant and key endpoints of the real host: 2xx or a
/// 4xx problem+json, never a 5xx. A fixed-seed run (the same cases in CI) and a smaller random one.
/// </summary>
public sealed class RestInputProperties(RestFuzzHost host) : IClassFixture<RestFuzzHost>
{
    [Property(MaxTest = 150, Replay = "(15299239483941107817,7381962378292961103)")]
    public Property Rest_input_is_answered_with_success_or_a_problem() => Answers();

    [Property(MaxTest = 50)]
    public Property Rest_input_is_answered_with_success_or_a_problem_random_seed() => Answers();

    private Property Answers() =>
        Prop.ForAll(RestInputs.Any().ToArbitrary(), (Func<RestRequest, Task<bool>>)host.AnswersWithoutServerErrorAsync);
}
