//! A read-only view of the machine for one test: the supervisor moves itself into a private
//! mount namespace where every filesystem is read-only but the test's scratch folder and its
//! verdict folder, so a test cannot rewrite a hidden suite, the kit or the build cache by an
//! absolute path, and where the instructor's private suites are hidden under empty folders.
//! Linux only, and only where mount namespaces may be made (root, or CAP_SYS_ADMIN); elsewhere
//! the test runs with the grading user's rights.

use std::path::{Path, PathBuf};

/// Makes every mount of this process's new namespace read-only except `writable` (and the
/// kernel's /proc, /sys and /dev), and covers each folder of `unreadable` with an empty one.
/// Children started afterwards inherit it.
#[cfg(target_os = "linux")]
pub fn confine(writable: &[&Path], unreadable: &[PathBuf]) -> Result<(), String> {
    use nix::mount::{MsFlags, mount};
    use nix::sched::{CloneFlags, unshare};

    let none: Option<&str> = None;
    unshare(CloneFlags::CLONE_NEWNS).map_err(|e| format!("no mount namespace: {e}"))?;
    mount(none, "/", none, MsFlags::MS_REC | MsFlags::MS_PRIVATE, none)
        .map_err(|e| format!("making mounts private: {e}"))?;
    for dir in writable {
        mount(Some(*dir), *dir, none, MsFlags::MS_BIND | MsFlags::MS_REC, none)
            .map_err(|e| format!("keeping {} writable: {e}", dir.display()))?;
    }
    let table = std::fs::read_to_string("/proc/self/mountinfo").map_err(|e| format!("mountinfo: {e}"))?;
    for (point, options) in mounts(&table) {
        if !to_freeze(&point, writable) {
            continue;
        }
        let flags = MsFlags::MS_REMOUNT | MsFlags::MS_BIND | MsFlags::MS_RDONLY | kept_flags(&options);
        mount(none, &point, none, flags, none)
            .map_err(|e| format!("making {} read-only: {e}", point.display()))?;
    }
    let empty = MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    for dir in unreadable.iter().filter(|d| d.is_dir()) {
        mount(Some("tmpfs"), dir, Some("tmpfs"), empty, Some("size=4k"))
            .map_err(|e| format!("hiding {}: {e}", dir.display()))?;
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
pub fn confine(_writable: &[&Path], _unreadable: &[PathBuf]) -> Result<(), String> {
    Err("read-only mounts for tests need Linux".into())
}

/// Mount points and their per-mount options, from /proc/self/mountinfo.
#[cfg(target_os = "linux")]
fn mounts(table: &str) -> Vec<(PathBuf, String)> {
    table
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(' ');
            let point = fields.nth(4)?;
            let options = fields.next()?;
            Some((PathBuf::from(unescape(point)), options.to_string()))
        })
        .collect()
}

/// mountinfo writes space, tab, newline and backslash in a path as `\ooo` octal escapes.
#[cfg(target_os = "linux")]
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal =
            bytes.get(i + 1..i + 4).and_then(|d| u8::from_str_radix(std::str::from_utf8(d).ok()?, 8).ok());
        match (bytes[i], octal) {
            (b'\\', Some(b)) => {
                out.push(b);
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a mount is made read-only: not the kernel's own, not a folder the test writes to.
#[cfg(target_os = "linux")]
fn to_freeze(point: &Path, writable: &[&Path]) -> bool {
    let kernel = ["/proc", "/sys", "/dev"].iter().any(|k| point.starts_with(k));
    !kernel && !writable.iter().any(|w| point.starts_with(w))
}

/// The per-mount flags a bind remount must repeat, or the kernel refuses to drop them.
#[cfg(target_os = "linux")]
fn kept_flags(options: &str) -> nix::mount::MsFlags {
    use nix::mount::MsFlags;
    options.split(',').fold(MsFlags::empty(), |flags, o| {
        flags
            | match o {
                "nosuid" => MsFlags::MS_NOSUID,
                "nodev" => MsFlags::MS_NODEV,
                "noexec" => MsFlags::MS_NOEXEC,
                "noatime" => MsFlags::MS_NOATIME,
                "nodiratime" => MsFlags::MS_NODIRATIME,
                "relatime" => MsFlags::MS_RELATIME,
                _ => MsFlags::empty(),
            }
    })
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_lines_give_unescaped_points_and_options() {
        let table = "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n\
                     28 27 0:25 / /mnt/my\\040disk ro,nosuid,nodev - tmpfs x ro\n";
        assert_eq!(
            mounts(table),
            [
                (PathBuf::from("/"), "rw,relatime".to_string()),
                (PathBuf::from("/mnt/my disk"), "ro,nosuid,nodev".to_string())
            ]
        );
    }

    #[test]
    fn the_kernels_mounts_and_the_writable_folders_stay_as_they_are() {
        let scratch = Path::new("/work/target/grader/scratch/01/t");
        assert!(to_freeze(Path::new("/"), &[scratch]));
        assert!(to_freeze(Path::new("/work"), &[scratch]));
        assert!(!to_freeze(scratch, &[scratch]));
        assert!(!to_freeze(&scratch.join("inner"), &[scratch]));
        assert!(!to_freeze(Path::new("/dev/shm"), &[scratch]));
        assert!(!to_freeze(Path::new("/proc"), &[scratch]));
    }
}
