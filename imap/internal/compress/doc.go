// Package compress implements the DEFLATE layer of the IMAP COMPRESS
// extension (RFC 4978) for both ends of a connection.
//
// NewConn wraps an established net.Conn. Everything written is compressed
// as raw DEFLATE (RFC 1951, no zlib or gzip header, RFC 4978 §3) and every
// Write ends with a sync flush (an empty stored block, "00 00 FF FF"), so
// the peer can decompress all of it at once: RFC 4978 §4 requires that
// each response or command be fully flushed, or an IDLE client would wait
// for an EXISTS stuck in the compressor. The IMAP server and client both
// write through one bufio.Writer, so each Write here is one protocol flush
// point (the buffer's Flush) or one large literal chunk.
//
// Reading is the delicate half. compress/flate keeps the first error its
// source returns for good, so a read deadline expiring inside the
// decompressor (the IMAP server's IDLE wakeups and autologout timers set
// deadlines all the time) would break the stream. The Conn therefore
// decompresses on its own goroutine, which reads the underlying connection
// without a deadline, and hands decompressed bytes to Read as soon as a
// block ends; read deadlines are applied to the hand-over instead. A
// Read never waits for more input than the peer sent: after a sync flush
// the decompressor has produced every byte before it.
//
// # Limits
//
//   - One decompressed chunk of up to 32 KiB is held between the
//     decompressing goroutine and Read; the goroutine waits for Read
//     before decompressing more, so a slow reader bounds memory.
//   - The compressor uses flate.BestSpeed by default (Options.Level), the
//     fastest level. compress/flate's compressor state is large whatever
//     the level (measured with Go 1.26: ~1.15 MiB at BestSpeed, ~790 KiB
//     at levels 2-9, ~715 KiB for HuffmanOnly); the decompressor needs
//     ~43 KiB. A server with many compressed connections pays this per
//     connection for as long as COMPRESS is active.
package compress
