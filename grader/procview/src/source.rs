//! Where /proc is read from: the filesystem, or the supervisor's socket named by [`ENV`].
//!
//! The source is fixed on first use (the kit's harness calls [`source`] before a test body
//! runs), so code under test cannot point later reads at a server of its own.

use std::io;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The environment variable naming the supervisor's /proc socket.
pub const ENV: &str = "KATAS_PROC_SOCKET";

/// Where reads go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The filesystem's /proc.
    Local,
    /// The server listening on this Unix socket ([`crate::serve`]).
    Remote(PathBuf),
}

static SOURCE: OnceLock<Source> = OnceLock::new();

/// The source of this process, read from [`ENV`] the first time.
pub fn source() -> &'static Source {
    SOURCE.get_or_init(|| match std::env::var_os(ENV) {
        Some(path) if !path.is_empty() => Source::Remote(PathBuf::from(path)),
        _ => Source::Local,
    })
}

/// The bytes of a /proc file. Through a socket that cannot be reached, panics: a check that
/// needs /proc must fail then, never pass or skip.
pub fn read(path: &str) -> io::Result<Vec<u8>> {
    ask(Op::Read, path)
}

/// The entries of a /proc folder, by name.
pub fn list(path: &str) -> io::Result<Vec<String>> {
    let bytes = ask(Op::List, path)?;
    Ok(String::from_utf8_lossy(&bytes).lines().map(str::to_string).collect())
}

/// The target of a /proc link, such as `/proc/PID/exe`.
pub fn link(path: &str) -> io::Result<PathBuf> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Ok(PathBuf::from(std::ffi::OsString::from_vec(ask(Op::Link, path)?)))
    }
    #[cfg(not(unix))]
    {
        ask(Op::Link, path).map(|b| PathBuf::from(String::from_utf8_lossy(&b).into_owned()))
    }
}

/// What is asked of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Read,
    List,
    Link,
}

fn ask(op: Op, path: &str) -> io::Result<Vec<u8>> {
    if !cfg!(target_os = "linux") {
        return Err(io::Error::new(io::ErrorKind::Unsupported, "/proc is Linux's"));
    }
    let path = resolve(path);
    match source() {
        Source::Local => local(op, &path),
        #[cfg(unix)]
        Source::Remote(socket) => crate::remote::ask(socket, op, &path),
        #[cfg(not(unix))]
        Source::Remote(_) => Err(io::Error::new(io::ErrorKind::Unsupported, "no Unix sockets")),
    }
}

/// Answers from the filesystem.
pub(crate) fn local(op: Op, path: &str) -> io::Result<Vec<u8>> {
    match op {
        Op::Read => std::fs::read(path),
        Op::List => {
            let mut names: Vec<String> = std::fs::read_dir(path)?
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            Ok(names.join("\n").into_bytes())
        }
        Op::Link => {
            let target = std::fs::read_link(path)?;
            Ok(target.into_os_string().into_encoded_bytes())
        }
    }
}

/// `/proc/self/...` and `/proc/thread-self/...` with this process's and thread's numbers, so
/// a server elsewhere reads the same files (and needs no "self" of its own).
fn resolve(path: &str) -> String {
    let Some(rest) = path.strip_prefix("/proc/") else { return path.to_string() };
    let (head, tail) = rest.split_once('/').map_or((rest, ""), |(h, t)| (h, t));
    let me = std::process::id();
    let head = match head {
        "self" => me.to_string(),
        "thread-self" => match crate::own_tid() {
            Some(tid) => format!("{me}/task/{tid}"),
            None => return path.to_string(),
        },
        _ => return path.to_string(),
    };
    if tail.is_empty() { format!("/proc/{head}") } else { format!("/proc/{head}/{tail}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_and_thread_self_become_numbers() {
        let me = std::process::id();
        assert_eq!(resolve("/proc/self/task"), format!("/proc/{me}/task"));
        assert_eq!(resolve("/proc/self"), format!("/proc/{me}"));
        assert_eq!(resolve("/proc/12/stat"), "/proc/12/stat");
        assert_eq!(resolve("/proc/selfish/stat"), "/proc/selfish/stat");
        if let Some(tid) = crate::own_tid() {
            assert_eq!(resolve("/proc/thread-self/stat"), format!("/proc/{me}/task/{tid}/stat"));
        }
    }
}
