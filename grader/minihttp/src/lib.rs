//! A tiny HTTP/1.1 client, given to katas 11 and 12 (their `http` module re-exports it): `get(url)` sends one GET over a fresh connection and
//! reads the whole answer. It is just enough for the mock bookstore (plain `http://`, no
//! redirects, no chunked bodies), and it is async all the way down: while it waits for the
//! network, its task yields and the runtime runs other tasks.
//!
//! Dropping the future returned by [`get`] (say, because a timeout fired) closes the
//! connection, and the server sees the client leave.

use std::fmt;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response: its status code and its body as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

/// Why a request got no response.
#[derive(Debug)]
pub enum Error {
    /// The URL is not `http://host:port/path`.
    BadUrl(String),
    /// Connecting, sending or receiving failed.
    Io(std::io::Error),
    /// The server closed the connection without a (complete) response.
    NoResponse,
    /// What came back is not HTTP/1.1 as this client understands it.
    Malformed(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadUrl(url) => write!(f, "not an http:// URL: {url}"),
            Error::Io(e) => write!(f, "network error: {e}"),
            Error::NoResponse => write!(f, "the server closed the connection without answering"),
            Error::Malformed(why) => write!(f, "malformed response: {why}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

/// Sends `GET url` and returns the response, whatever its status.
pub async fn get(url: &str) -> Result<Response, Error> {
    let rest = url.strip_prefix("http://").ok_or_else(|| Error::BadUrl(url.to_string()))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut stream = TcpStream::connect(host).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    parse(&raw)
}

/// Splits a raw response into status and body, checking `Content-Length` when there is one.
fn parse(raw: &[u8]) -> Result<Response, Error> {
    if raw.is_empty() {
        return Err(Error::NoResponse);
    }
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or(Error::NoResponse)?;
    let head = std::str::from_utf8(&raw[..end]).map_err(|_| Error::Malformed("head is not text".into()))?;
    let body = &raw[end + 4..];
    let status_line = head.lines().next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::Malformed(format!("status line {status_line:?}")))?;
    let length = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse::<usize>().ok())?
    });
    if length.is_some_and(|n| n != body.len()) {
        return Err(Error::NoResponse);
    }
    let body = String::from_utf8(body.to_vec()).map_err(|_| Error::Malformed("body is not UTF-8".into()))?;
    Ok(Response { status, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_is_split_into_status_and_body() {
        let r = parse(b"HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy").unwrap();
        assert_eq!(r, Response { status: 503, body: "busy".into() });
    }

    #[test]
    fn a_short_body_or_nothing_is_no_response() {
        assert!(matches!(parse(b""), Err(Error::NoResponse)));
        assert!(matches!(
            parse(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort"),
            Err(Error::NoResponse)
        ));
    }

    #[test]
    fn the_bookstore_answers_a_real_request() {
        let store = bookstore::Bookstore::start();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let page = rt.block_on(get(&store.url(&bookstore::Bookstore::page_path(1)))).unwrap();
        assert_eq!(page.status, 200);
        assert!(matches!(rt.block_on(get("ftp://nope")), Err(Error::BadUrl(_))));
    }
}
