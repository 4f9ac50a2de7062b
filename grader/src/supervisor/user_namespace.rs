//! Without root, a user namespace of the supervisor's own: in it the supervisor may make the
//! test's network namespace and read-only mounts. It maps the user to itself, so the test, which
//! runs a new program as that same user, keeps no capability. Must run while the supervisor has
//! one thread (the kernel refuses a user namespace to a threaded process).

/// Enters a new user namespace if this process lacks CAP_SYS_ADMIN; `Ok(true)` if it did.
#[cfg(target_os = "linux")]
pub fn enter_unless_privileged() -> Result<bool, String> {
    use nix::sched::{CloneFlags, unshare};
    use nix::unistd::{getgid, getuid};

    if has_sys_admin() {
        return Ok(false);
    }
    let (uid, gid) = (getuid(), getgid());
    unshare(CloneFlags::CLONE_NEWUSER).map_err(|e| format!("no user namespace: {e}"))?;
    // setgroups must be denied before an unprivileged process may write its gid_map.
    std::fs::write("/proc/self/setgroups", "deny")
        .and_then(|_| std::fs::write("/proc/self/uid_map", format!("{uid} {uid} 1")))
        .and_then(|_| std::fs::write("/proc/self/gid_map", format!("{gid} {gid} 1")))
        .map_err(|e| format!("a user namespace, but mapping the user failed: {e}"))?;
    Ok(true)
}

#[cfg(not(target_os = "linux"))]
pub fn enter_unless_privileged() -> Result<bool, String> {
    Err("user namespaces need Linux".into())
}

/// Whether this process has CAP_SYS_ADMIN in its user namespace (bit 21 of CapEff).
#[cfg(target_os = "linux")]
fn has_sys_admin() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << 21) != 0)
}
