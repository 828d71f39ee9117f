//! Small I/O helpers every check uses: connect and read with the probe's timeouts.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};

/// Connects within `limit`; a timeout becomes `io::ErrorKind::TimedOut`.
pub(crate) async fn connect(ip: IpAddr, port: u16, limit: Duration) -> io::Result<TcpStream> {
    match timeout(limit, TcpStream::connect(SocketAddr::new(ip, port))).await {
        Ok(result) => {
            let stream = result?;
            let _ = stream.set_nodelay(true);
            Ok(stream)
        }
        Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "connect timed out")),
    }
}

/// Reads whatever arrives within `limit` (at most `max` bytes): `Ok(empty)` when nothing came or
/// the peer closed without sending.
pub(crate) async fn read_some<R: AsyncRead + Unpin>(
    reader: &mut R,
    limit: Duration,
    max: usize,
) -> io::Result<Vec<u8>> {
    let mut buffer = vec![0u8; max];
    match timeout(limit, reader.read(&mut buffer)).await {
        Ok(Ok(n)) => {
            buffer.truncate(n);
            Ok(buffer)
        }
        Ok(Err(error)) => Err(error),
        Err(_) => Ok(Vec::new()),
    }
}

/// Reads until `done(bytes so far)` holds, the peer closes, `max` bytes came, or `limit` passed.
/// Returns the bytes and whether the peer closed.
pub(crate) async fn read_until<R: AsyncRead + Unpin>(
    reader: &mut R,
    limit: Duration,
    max: usize,
    mut done: impl FnMut(&[u8]) -> bool,
) -> io::Result<(Vec<u8>, bool)> {
    let deadline = Instant::now() + limit;
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok((data, false));
        }
        match timeout(left, reader.read(&mut chunk)).await {
            Ok(Ok(0)) => return Ok((data, true)),
            Ok(Ok(n)) => {
                data.extend_from_slice(&chunk[..n]);
                if done(&data) || data.len() >= max {
                    return Ok((data, false));
                }
            }
            Ok(Err(error)) => return Err(error),
            Err(_) => return Ok((data, false)),
        }
    }
}

/// Printable text of a reply, for evidence: control bytes dropped, at most `max` characters.
pub(crate) fn printable(bytes: &[u8], max: usize) -> String {
    let text: String = String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| if c == '\r' || c == '\n' || c == '\t' { ' ' } else { c })
        .filter(|c| !c.is_control() && *c != '\u{fffd}')
        .collect();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// A value that differs per run (for MQTT client IDs, digest cnonces, wrong passwords): the
/// standard library's randomly keyed hasher, so no RNG crate is needed. Not for cryptography.
pub(crate) fn nonce() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher
        .write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    hasher.finish()
}

/// Whether an I/O error means the service turned us away at the TCP level (refused or reset),
/// which after failed logins is a lockout sign.
pub(crate) fn is_refusal(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
    )
}
