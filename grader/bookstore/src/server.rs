//! The HTTP/1.1 side: one request per connection, answered with `Connection: close`.
//! Small on purpose: GET only, no keep-alive, no chunked bodies.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use crate::{Fault, Shared};

/// Largest request head the server reads.
const MAX_HEAD: usize = 16 * 1024;
/// How long a client may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn serve(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
) {
    let listener = TcpListener::from_std(listener).expect("a non-blocking listener");
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(handle(stream, shared.clone()));
                }
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            },
        }
    }
}

async fn handle(mut stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let head = match tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream)).await {
        Ok(Some(head)) => head,
        _ => return,
    };
    let mut words = head.split_whitespace();
    let (Some(method), Some(target)) = (words.next(), words.next()) else {
        let _ = respond(&mut stream, 400, "Bad Request", "text/plain", "bad request\n").await;
        return;
    };
    let path = target.split(['?', '#']).next().unwrap_or("/").to_string();
    let plan = shared.arrive(&path);
    let in_flight = shared.enter();
    if method != "GET" {
        drop(in_flight);
        let _ = respond(&mut stream, 405, "Method Not Allowed", "text/plain", "only GET\n").await;
        return;
    }
    // Wait out the latency, unless the client hangs up first.
    if !plan.latency.is_zero() {
        tokio::select! {
            _ = tokio::time::sleep(plan.latency) => {}
            _ = client_gone(&mut stream) => return,
        }
    }
    let (code, reason, kind, body) = match plan.fault {
        Some(Fault::Hang) => return client_gone(&mut stream).await,
        Some(Fault::Close) => {
            drop(in_flight);
            drop(stream);
            return;
        }
        Some(Fault::Unavailable(left)) => {
            let body = format!("the bookstore is busy, try again ({left} more 503 planned)\n");
            (503, "Service Unavailable", "text/plain", body)
        }
        None => match shared.body(&path) {
            Some(body) => (200, "OK", "text/html; charset=utf-8", body),
            None => (404, "Not Found", "text/plain", "no such page\n".to_string()),
        },
    };
    // Answered: a client may read the whole response before this task runs again, so it
    // must not find the request still counted in flight.
    drop(in_flight);
    let _ = respond(&mut stream, code, reason, kind, &body).await;
}

/// Reads up to the blank line that ends the request head; `None` if the client closed first
/// or sent too much.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            buf.truncate(end);
            return String::from_utf8(buf).ok();
        }
        if buf.len() > MAX_HEAD {
            return None;
        }
    }
}

/// Resolves when the client closes its side (or the connection breaks). A client that sends
/// more bytes after its request is not gone; they are read and ignored.
async fn client_gone(stream: &mut TcpStream) {
    let mut sink = [0u8; 512];
    while let Ok(n) = stream.read(&mut sink).await {
        if n == 0 {
            return;
        }
    }
}

async fn respond(
    stream: &mut TcpStream,
    code: u16,
    reason: &str,
    content_type: &str,
    body: &str,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {code} {reason}\r\nServer: bookstore\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}
