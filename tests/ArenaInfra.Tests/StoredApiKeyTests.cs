using System.ComponentModel;
using System.Text;
using ArenaInfra.Config;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// The stored key's file format. DPAPI itself runs only on Windows; here a byte-reversing stand-in
/// plays it, so what is around it (the marker, base64, and every way of failing) is what is tested.
/// </summary>
public sealed class StoredApiKeyTests
{
    private const string Key = "rpa_7H2KX9QZ";
    private const string Path = "/home/admin/.local/share/ArenaInfra/runpod-api-key";

    private static byte[] FakeDpapi(byte[] data) => data.Reverse().ToArray();

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public void Elsewhere_the_file_holds_the_key_as_it_is_and_reads_back()
    {
        var content = StoredApiKey.Encode(Key, onWindows: false, FakeDpapi);
        Assert.Equal(Key, Encoding.UTF8.GetString(content));
        Assert.Equal(Key, StoredApiKey.Decode(content, Path, onWindows: false, FakeDpapi));
    }

    [Fact]
    public void On_Windows_the_file_holds_marked_protected_bytes_never_the_key_and_reads_back()
    {
        var content = StoredApiKey.Encode(Key, onWindows: true, FakeDpapi);
        var text = Encoding.ASCII.GetString(content);
        Assert.StartsWith(StoredApiKey.DpapiHeader + "\n", text);
        Assert.DoesNotContain(Key, text);
        Assert.Equal(Key, StoredApiKey.Decode(content, Path, onWindows: true, FakeDpapi));
    }

    [Theory]
    [InlineData("rpa_7H2KX9QZ\n")]
    [InlineData("  rpa_7H2KX9QZ\r\n")]
    public void A_key_written_by_hand_with_a_line_end_still_reads(string content) =>
        Assert.Equal(Key, StoredApiKey.Decode(Bytes(content), Path, onWindows: false, FakeDpapi));

    [Theory]
    [InlineData("")]
    [InlineData(" \n")]
    public void An_empty_file_is_no_key(string content) =>
        Assert.Null(StoredApiKey.Decode(Bytes(content), Path, onWindows: false, FakeDpapi));

    [Fact]
    public void A_file_protected_on_Windows_cannot_be_used_elsewhere_and_says_why()
    {
        var fromWindows = StoredApiKey.Encode(Key, onWindows: true, FakeDpapi);
        var error = Assert.Throws<ArenaException>(() => StoredApiKey.Decode(fromWindows, Path, onWindows: false, FakeDpapi));
        Assert.Equal(ArenaErrorIds.StoredApiKeyUnreadable, error.ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.ReadError, error.Category);
        Assert.Contains("DPAPI", error.Message);
        Assert.Contains(Path, error.Message);
        Assert.Contains("Set-ArenaApiKey", error.RecommendedAction);
    }

    [Fact]
    public void On_Windows_a_key_another_user_protected_is_a_clear_error()
    {
        var content = StoredApiKey.Encode(Key, onWindows: true, FakeDpapi);
        var error = Assert.Throws<ArenaException>(() => StoredApiKey.Decode(content, Path, onWindows: true,
            _ => throw new Win32Exception(-2146893813, "Key not valid for use in specified state.")));
        Assert.Equal(ArenaErrorIds.StoredApiKeyUnreadable, error.ErrorId);
        Assert.Contains("Key not valid", error.Message);
        Assert.IsType<Win32Exception>(error.InnerException);
    }

    [Theory]
    [InlineData("rpa_7H2KX9QZ")]                                       // a plain file, not written by Set-ArenaApiKey on Windows
    [InlineData(StoredApiKey.DpapiHeader + "\nnot base64 at all!\n")]   // a damaged protected file
    public void On_Windows_a_file_that_is_not_a_protected_key_is_a_clear_error(string content)
    {
        var error = Assert.Throws<ArenaException>(() => StoredApiKey.Decode(Bytes(content), Path, onWindows: true, FakeDpapi));
        Assert.Equal(ArenaErrorIds.StoredApiKeyUnreadable, error.ErrorId);
        Assert.DoesNotContain(Key, error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0xff, 0xfe, 0x00, 0x41, 0x9c })]
    [InlineData(new byte[] { 0x72, 0x70, 0x61, 0x0a, 0x73, 0x65, 0x63, 0x6f, 0x6e, 0x64 })]   // "rpa\nsecond"
    public void A_damaged_file_is_an_error_never_a_key_sent_to_RunPod(byte[] content)
    {
        var error = Assert.Throws<ArenaException>(() => StoredApiKey.Decode(content, Path, onWindows: false, FakeDpapi));
        Assert.Equal(ArenaErrorIds.StoredApiKeyUnreadable, error.ErrorId);
        Assert.Contains("damaged", error.Message);
    }
}
