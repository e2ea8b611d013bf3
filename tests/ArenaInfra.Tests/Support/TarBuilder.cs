using System.Text;

namespace ArenaInfra.Tests.Support;

/// <summary>Writes tar streams by hand, as a hostile pod would: whatever names, types and sizes a test asks for.</summary>
public sealed class TarBuilder
{
    private readonly MemoryStream _stream = new();

    public TarBuilder File(string name, string content, char type = '0', string link = "", long? size = null) =>
        File(name, Encoding.UTF8.GetBytes(content), type, link, size);

    /// <summary>One entry: size is what the header announces (the data's length unless a test lies).</summary>
    public TarBuilder File(string name, byte[] content, char type = '0', string link = "", long? size = null)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        if (nameBytes.Length >= 100) Header("././@LongLink", 'L', nameBytes.Length + 1, "", data: nameBytes.Concat(new byte[] { 0 }).ToArray());
        Header(nameBytes.Length >= 100 ? name[..50] : name, type, size ?? content.Length, link, content);
        return this;
    }

    /// <summary>Bytes as they are: a header that lies about its checksum, or a stream cut in the middle.</summary>
    public TarBuilder Raw(byte[] bytes)
    {
        _stream.Write(bytes);
        return this;
    }

    public byte[] End(bool endBlocks = true)
    {
        if (endBlocks) _stream.Write(new byte[1024]);
        return _stream.ToArray();
    }

    private void Header(string name, char type, long size, string link, byte[] data)
    {
        var header = new byte[512];
        Put(header, 0, Encoding.UTF8.GetBytes(name), 100);
        Put(header, 100, Encoding.ASCII.GetBytes("0000644\0"), 8);
        Put(header, 108, Encoding.ASCII.GetBytes("0001750\0"), 8);
        Put(header, 116, Encoding.ASCII.GetBytes("0001750\0"), 8);
        Put(header, 124, Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0"), 12);
        Put(header, 136, Encoding.ASCII.GetBytes(Convert.ToString(1767225600L, 8).PadLeft(11, '0') + "\0"), 12);
        header[156] = (byte)type;
        Put(header, 157, Encoding.UTF8.GetBytes(link), 100);
        Put(header, 257, Encoding.ASCII.GetBytes("ustar  \0"), 8);
        for (var i = 148; i < 156; i++) header[i] = (byte)' ';
        var sum = header.Sum(b => (long)b);
        Put(header, 148, Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 "), 8);
        _stream.Write(header);
        _stream.Write(data);
        _stream.Write(new byte[(512 - data.Length % 512) % 512]);
    }

    private static void Put(byte[] header, int offset, byte[] value, int length) => Array.Copy(value, 0, header, offset, Math.Min(value.Length, length));
}
