//! The /proc server the supervisor runs for its test: a test confined without /proc (where it
//! could read its own memory) asks the supervisor for its threads and children instead
//! (procview's whitelist), over a Unix socket named by `KATAS_PROC_SOCKET`.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// The listening socket, in a private folder of its own: not the test's scratch or verdict
/// folder, so a confined test cannot replace or remove it. Removed when dropped.
pub struct ProcService {
    dir: PathBuf,
    socket: PathBuf,
}

impl ProcService {
    /// Binds the socket for the test whose verdict goes to `verdicts`, and answers it from a
    /// thread until this process ends. Call it before the disk turns read-only.
    #[cfg(unix)]
    pub fn start(verdicts: &Path) -> Result<ProcService> {
        use anyhow::Context;
        use std::os::unix::fs::DirBuilderExt;
        // Under the temporary folder, as a socket's path must fit in 108 bytes; named after the
        // test's verdict folder, so the next run of the test reuses it where a read-only disk
        // kept this run from removing it.
        let dir = Self::dir(verdicts);
        let socket = dir.join("socket");
        if socket.as_os_str().len() >= 100 {
            bail!("the /proc socket's path {} is too long for a Unix socket", socket.display());
        }
        let _ = std::fs::remove_dir_all(&dir); // a stale one of a reused pid
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .with_context(|| format!("creating {}", dir.display()))?;
        let listener = std::os::unix::net::UnixListener::bind(&socket)
            .with_context(|| format!("binding the /proc socket {}", socket.display()))?;
        std::thread::Builder::new().name("proc-service".into()).spawn(move || procview::serve(listener))?;
        Ok(ProcService { dir, socket })
    }

    #[cfg(not(unix))]
    pub fn start(_verdicts: &Path) -> Result<ProcService> {
        bail!("the /proc server needs Unix sockets")
    }

    /// The private folder of the socket for the test whose verdict goes to `verdicts` (a
    /// canonical path): the grader removes it after the supervisor, which cannot where its
    /// disk is read-only.
    #[cfg(unix)]
    pub fn dir(verdicts: &Path) -> PathBuf {
        let uid = nix::unistd::getuid();
        std::env::temp_dir().join(format!("katas-proc-{uid}-{:016x}", fnv1a(verdicts)))
    }

    #[cfg(not(unix))]
    pub fn dir(verdicts: &Path) -> PathBuf {
        verdicts.join("proc")
    }

    /// The value of `KATAS_PROC_SOCKET` for the test.
    pub fn socket(&self) -> &Path {
        &self.socket
    }
}

/// A short stable name for a path (FNV-1a), the same in every build of the grader.
#[cfg(unix)]
fn fnv1a(path: &Path) -> u64 {
    path.as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

impl Drop for ProcService {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
