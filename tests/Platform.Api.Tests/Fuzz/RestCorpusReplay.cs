namespace Platform.Api.Tests.Fuzz;

/// <summary>Replays the request corpus (Fuzz/Corpus/*.json: method, path, body) under the same rule as the generated cases.</summary>
public sealed class RestCorpusReplay(RestFuzzHost host) : IClassFixture<RestFuzzHost>
{
    private static readonly string Corpus = Path.Join(AppContext.BaseDirectory, "Fuzz", "Corpus");

    public static TheoryData<string> Requests() =>
        [.. Directory.GetFiles(Corpus, "*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task Request_from_the_corpus_is_answered_with_success_or_a_problem(string file) =>
        Assert.True(await host.AnswersWithoutServerErrorAsync(RestInputs.FromCorpus(await File.ReadAllTextAsync(Path.Join(Corpus, file)))));
}
