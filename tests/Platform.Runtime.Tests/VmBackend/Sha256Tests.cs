using System.Text;
using Platform.Runtime.VmBackend;

namespace Platform.Runtime.Tests.VmBackend;

public sealed class Sha256Tests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void Known_vectors_hash_to_the_published_digests(string input, string expected) =>
        Assert.Equal(expected, Convert.ToHexStringLower(Sha256.Hash(Encoding.ASCII.GetBytes(input))));

    [Fact]
    public void Any_length_in_any_pieces_matches_the_platform_sha256()
    {
        var random = new Random(42);
        for (var length = 0; length < 300; length += 7)
        {
            var data = new byte[length * 13];
            random.NextBytes(data);
            var sha = new Sha256();
            for (var offset = 0; offset < data.Length;)
            {
                var piece = Math.Min(random.Next(1, 100), data.Length - offset);
                sha.Append(data.AsSpan(offset, piece));
                offset += piece;
            }
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(data), sha.Finish());
        }
    }
}
