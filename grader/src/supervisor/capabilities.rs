//! No capability for the test: a test started by root would otherwise keep root's powers
//! (load a kernel module, set the clock, kill the grader), which neither Landlock nor the seccomp
//! filter takes away. The launcher thread empties its bounding set and every other set; a child
//! that runs a new program, even as uid 0, then gets none back.

/// Drops every capability of the calling thread; nothing to do for a thread that has none.
#[cfg(target_os = "linux")]
pub fn drop_thread() -> Result<(), String> {
    use caps::CapSet;
    let fail = |e: caps::errors::CapsError| format!("dropping capabilities: {e}");
    if caps::read(None, CapSet::Permitted).map_err(fail)?.is_empty() {
        return Ok(()); // an ordinary user: no_new_privs keeps set-user-ID programs from adding any
    }
    for cap in caps::read(None, CapSet::Bounding).map_err(fail)? {
        caps::drop(None, CapSet::Bounding, cap).map_err(fail)?;
    }
    for set in [CapSet::Ambient, CapSet::Inheritable, CapSet::Effective, CapSet::Permitted] {
        caps::clear(None, set).map_err(fail)?;
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
pub fn drop_thread() -> Result<(), String> {
    Err("capabilities are Linux's".into())
}
