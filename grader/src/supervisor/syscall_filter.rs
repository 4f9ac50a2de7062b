//! A seccomp filter for the test: the system calls that read or write another process's memory,
//! or this one's from outside the language, fail with EPERM. Applied to the calling thread; a
//! child it spawns inherits it, and so does everything the child starts.

/// The calls denied, and why each: `process_vm_readv`/`process_vm_writev` copy memory between
/// processes (the nonce, or a verdict in the making); `ptrace` reads, writes and steers another
/// process.
#[cfg(target_os = "linux")]
const DENIED: &[(&str, i64)] = &[
    ("process_vm_readv", libc_nr::PROCESS_VM_READV),
    ("process_vm_writev", libc_nr::PROCESS_VM_WRITEV),
    ("ptrace", libc_nr::PTRACE),
];

/// System call numbers, from nix's libc (no unsafe code needed to name them); a `c_long`, which
/// is narrower than seccompiler's i64 on 32-bit targets.
#[cfg(target_os = "linux")]
#[allow(clippy::unnecessary_cast)]
mod libc_nr {
    use nix::libc;
    pub const PROCESS_VM_READV: i64 = libc::SYS_process_vm_readv as i64;
    pub const PROCESS_VM_WRITEV: i64 = libc::SYS_process_vm_writev as i64;
    pub const PTRACE: i64 = libc::SYS_ptrace as i64;
}

/// Installs the filter on the calling thread (setting no_new_privs, which seccomp needs without
/// CAP_SYS_ADMIN). Returns the names of the calls denied.
#[cfg(target_os = "linux")]
pub fn restrict_thread() -> Result<Vec<&'static str>, String> {
    use std::collections::BTreeMap;

    use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};

    let arch = TargetArch::try_from(std::env::consts::ARCH).map_err(|e| format!("seccomp: {e}"))?;
    let rules = DENIED.iter().map(|(_, nr)| (*nr, vec![])).collect::<BTreeMap<_, _>>();
    let eperm = SeccompAction::Errno(nix::libc::EPERM as u32);
    let filter =
        SeccompFilter::new(rules, SeccompAction::Allow, eperm, arch).map_err(|e| format!("seccomp: {e}"))?;
    let program: BpfProgram =
        filter.try_into().map_err(|e: seccompiler::BackendError| format!("seccomp: {e}"))?;
    seccompiler::apply_filter(&program).map_err(|e| format!("seccomp: {e}"))?;
    Ok(DENIED.iter().map(|(name, _)| *name).collect())
}

#[cfg(not(target_os = "linux"))]
pub fn restrict_thread() -> Result<Vec<&'static str>, String> {
    Err("seccomp needs Linux".into())
}
