using System.Diagnostics;
using System.Text;
using ArenaInfra.Backup;
using ArenaInfra.Tests.Support;
using Xunit;

namespace ArenaInfra.Tests;

/// <summary>
/// The tar stream's flow control: the pod's side sends a chunk only for a newline we sent, and ours
/// sends a newline for each chunk read, so a pod's sshd never holds more than a few chunks.
/// </summary>
public sealed class TarStreamPacingTests
{
    [Fact]
    public void Our_input_is_the_names_then_the_first_chunks_then_one_newline_a_chunk_read_until_the_reading_ends()
    {
        using var pacing = new TarStreamPacing();
        var input = new MemoryStream();
        var synced = Stream.Synchronized(input);
        var names = Encoding.UTF8.GetBytes("./a\0./b\0");
        var writer = Task.Run(() => pacing.WriteInput(synced, names));

        pacing.Read(TarStreamPacing.ChunkBytes - 1);
        pacing.Read(3L * TarStreamPacing.ChunkBytes + 5);
        // The chunks ahead but the first (tar sends that one unasked), then one for each of the three whole chunks read, and not one for a part.
        var expected = names.Length + TarStreamPacing.ChunksAhead - 1 + 3;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (synced.Length < expected && clock.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(10);
        Thread.Sleep(200);
        pacing.Finish();
        Assert.True(writer.Wait(TimeSpan.FromSeconds(10)), "the input never ended");

        var written = input.ToArray();
        Assert.Equal(names, written.Take(names.Length));
        Assert.Equal(new string('\n', TarStreamPacing.ChunksAhead - 1 + 3), Encoding.ASCII.GetString(written, names.Length, written.Length - names.Length));
    }

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_pods_tar_sends_a_chunk_for_each_newline_and_no_more()
    {
        Skip.If(OperatingSystem.IsWindows(), "the pod's side runs in sh");
        using var home = new TempDir();
        var payload = new byte[5 * TarStreamPacing.ChunkBytes + 4096];
        new Random(5).NextBytes(payload);
        File.WriteAllBytes(Path.Combine(home.Path, "big.bin"), payload);
        var names = Encoding.UTF8.GetBytes("./big.bin\0");
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(TarStreamPacing.Command(names.Length));
        start.Environment["HOME"] = home.Path;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var received = new MemoryStream();
        var reading = Task.Run(() =>
        {
            var buffer = new byte[65536];
            int read;
            while ((read = process.StandardOutput.BaseStream.Read(buffer, 0, buffer.Length)) > 0)
            {
                lock (received) received.Write(buffer, 0, read);
            }
        });
        // How much has come once at least this much came (within 10 s) and then nothing more for a second.
        long Quiet(long atLeast)
        {
            var clock = Stopwatch.StartNew();
            long last = -1;
            while (true)
            {
                long now;
                lock (received) now = received.Length;
                if (now == last && (now >= atLeast || clock.Elapsed > TimeSpan.FromSeconds(10))) return now;
                last = now;
                Thread.Sleep(now >= atLeast ? 1000 : 50);
            }
        }
        var input = process.StandardInput.BaseStream;
        try
        {
            // The names, and a newline: the chunk tar sends unasked and the one the newline asked for,
            // then nothing until the next newline.
            input.Write(names, 0, names.Length);
            input.WriteByte((byte)'\n');
            input.Flush();
            var first = Quiet(TarStreamPacing.ChunkBytes);
            Assert.InRange(first, TarStreamPacing.ChunkBytes, 2L * TarStreamPacing.ChunkBytes);
            input.WriteByte((byte)'\n');
            input.Flush();
            var second = Quiet(first + TarStreamPacing.ChunkBytes);
            Assert.InRange(second - first, TarStreamPacing.ChunkBytes - 10240, TarStreamPacing.ChunkBytes);

            // Ten newlines: the rest of the stream to tar's end; the pod's side then ends with its input.
            input.Write(Encoding.ASCII.GetBytes(new string('\n', 10)), 0, 10);
            input.Flush();
            Quiet(payload.Length + 1024);
            process.StandardInput.Close();
            Assert.True(process.WaitForExit(10000), "the pod's side did not end with its input");
            Assert.True(reading.Wait(10000));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        Assert.Equal(0, process.ExitCode);

        Skip.If(error.Result.Contains("tar:", StringComparison.Ordinal) && received.Length == 0, "the pod's side needs GNU tar here");
        var stream = received.ToArray();
        // A tar stream holding the file whole: its header, then its bytes.
        Assert.Equal("big.bin", Encoding.ASCII.GetString(stream, 2, 7));
        Assert.Equal(payload, stream.Skip(512).Take(payload.Length));
        Assert.True(stream.Length % 10240 == 0, $"tar's stream ended after {stream.Length} bytes");
    }
}
