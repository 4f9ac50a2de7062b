//! The socket's framing: a request is `read|list|link PATH\n`; the answer `ok LEN\n` and LEN
//! bytes, or `err missing|refused|failed TEXT\n`.

use std::io::{self, BufRead, Write};

use crate::source::Op;

/// Longest request line a server reads: a /proc path of the whitelist is far shorter.
pub(crate) const MAX_REQUEST: u64 = 256;

impl Op {
    pub(crate) fn word(self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::List => "list",
            Op::Link => "link",
        }
    }

    pub(crate) fn from_word(word: &str) -> Option<Op> {
        [Op::Read, Op::List, Op::Link].into_iter().find(|op| op.word() == word)
    }
}

pub(crate) fn write_request(out: &mut impl Write, op: Op, path: &str) -> io::Result<()> {
    out.write_all(format!("{} {path}\n", op.word()).as_bytes())?;
    out.flush()
}

/// An answer: the bytes, or the error the client turns into an `io::Error` of the same kind.
pub(crate) fn write_answer(out: &mut impl Write, answer: &io::Result<Vec<u8>>) -> io::Result<()> {
    match answer {
        Ok(bytes) => {
            out.write_all(format!("ok {}\n", bytes.len()).as_bytes())?;
            out.write_all(bytes)?;
        }
        Err(e) => {
            let kind = match e.kind() {
                io::ErrorKind::NotFound => "missing",
                io::ErrorKind::PermissionDenied => "refused",
                _ => "failed",
            };
            let text = e.to_string().replace('\n', " ");
            out.write_all(format!("err {kind} {text}\n").as_bytes())?;
        }
    }
    out.flush()
}

/// Reads one answer; `Err` of the outer result when the stream itself failed.
pub(crate) fn read_answer(input: &mut impl BufRead) -> io::Result<io::Result<Vec<u8>>> {
    let mut head = String::new();
    if input.read_line(&mut head)? == 0 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection"));
    }
    let head = head.trim_end_matches('\n');
    if let Some(len) = head.strip_prefix("ok ") {
        let len: usize = len.parse().map_err(|_| bad(head))?;
        let mut bytes = vec![0; len];
        input.read_exact(&mut bytes)?;
        return Ok(Ok(bytes));
    }
    let rest = head.strip_prefix("err ").ok_or_else(|| bad(head))?;
    let (kind, text) = rest.split_once(' ').unwrap_or((rest, ""));
    let kind = match kind {
        "missing" => io::ErrorKind::NotFound,
        "refused" => io::ErrorKind::PermissionDenied,
        _ => io::ErrorKind::Other,
    };
    Ok(Err(io::Error::new(kind, text.to_string())))
}

fn bad(head: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("not an answer: {head:?}"))
}
