//! The test's view of the disk, by Landlock (unprivileged, Linux 5.13+): read and execute on the
//! system's folders and on the test binary, read and write on its scratch folder, write-only on
//! its verdict folder, nothing anywhere else (the checkout, the build cache, the staging areas,
//! `--private-suites` folders). Applied to the calling thread; a child it spawns inherits the domain.

use std::path::{Path, PathBuf};

/// Whether a test may read /proc. No: the kit and the suites ask the supervisor over
/// `KATAS_PROC_SOCKET`, and a submission that could read /proc would read its own memory
/// (`/proc/self/mem`, the nonce). The one switch to turn it back on, which reports say.
pub const PROC_READABLE: bool = false;

/// Folders of programs and libraries every test may read and execute (the ones that exist).
const SYSTEM: &[&str] = &["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc"];

/// Read-only kernel views std and rayon read to count the CPUs a test may use.
const CPU_INFO: &[&str] = &["/sys/fs/cgroup", "/sys/devices/system/cpu"];

/// Device files tests open, and whether they may write them (`Stdio::null()` opens /dev/null
/// for both).
#[cfg(target_os = "linux")]
const DEVICES: &[(&str, bool)] = &[
    ("/dev/null", true),
    ("/dev/zero", false),
    ("/dev/full", true),
    ("/dev/random", false),
    ("/dev/urandom", false),
];

/// The folders and files one test is given (enforced by Landlock, so on Linux only).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub struct DiskPlan<'a> {
    /// The suite binary: read and execute (07 re-executes it, a fork bomb too).
    pub program: &'a Path,
    /// The test's working directory, its TMPDIR inside: read and write.
    pub scratch: &'a Path,
    /// Where the harness writes its verdict: write only, so nothing the test started can read
    /// the verdict (and its nonce) back.
    pub verdicts: &'a Path,
}

impl DiskPlan<'_> {
    /// The folders a test may read: a private-suites folder under one of them is not hidden.
    pub fn readable(&self) -> Vec<PathBuf> {
        let mut all: Vec<PathBuf> = SYSTEM.iter().chain(CPU_INFO).map(PathBuf::from).collect();
        if PROC_READABLE {
            all.push("/proc".into());
        }
        all.push(self.scratch.to_path_buf());
        all
    }
}

/// What the kernel enforced, for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Enforced {
    /// `Some(n)`: every rule in force, Landlock ABI n; `None`: only part of the rules (old kernel).
    pub abi: Option<i32>,
}

/// The ABI whose file rights are handled: truncation (3) and device ioctls (5) included; pathname
/// Unix sockets (9) are not, so the supervisor's /proc service stays reachable; no network right
/// is handled, so loopback TCP (katas 11 and 12) keeps working.
#[cfg(target_os = "linux")]
const HANDLED_ABI: landlock::ABI = landlock::ABI::V5;

/// Restricts the calling thread (and what it spawns from now on) to the plan's folders.
#[cfg(target_os = "linux")]
pub fn restrict_thread(plan: &DiskPlan) -> Result<Enforced, String> {
    use landlock::{
        ABI, Access, AccessFs, BitFlags, CompatLevel, Compatible, LandlockStatus, PathBeneath, PathFd,
        Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus,
    };
    let abi = HANDLED_ABI;
    let read = AccessFs::from_read(abi);
    let read_file = AccessFs::ReadFile | AccessFs::Execute;
    let write_file: BitFlags<AccessFs> = AccessFs::WriteFile | AccessFs::Truncate;
    // Create, replace (the harness renames its temporary file over the verdict) and write files.
    let write_only = write_file | AccessFs::MakeReg | AccessFs::RemoveFile;
    let rule = |path: &Path, access: BitFlags<AccessFs>| {
        PathFd::new(path).map(|fd| PathBeneath::new(fd, access)).map_err(|e| e.to_string())
    };
    let mut rules = Vec::new();
    for dir in SYSTEM.iter().chain(CPU_INFO).map(Path::new).filter(|p| p.exists()) {
        rules.push(rule(dir, read)?);
    }
    if PROC_READABLE {
        rules.push(rule(Path::new("/proc"), read)?);
    }
    for (dev, writable) in DEVICES.iter().filter(|(d, _)| Path::new(d).exists()) {
        let access = if *writable { write_file | AccessFs::ReadFile } else { AccessFs::ReadFile.into() };
        rules.push(rule(Path::new(dev), access)?);
    }
    rules.push(rule(plan.program, read_file)?);
    // Every right but cross-folder links and renames (Refer), so no file leaves the scratch folder.
    rules.push(rule(plan.scratch, AccessFs::from_all(abi) & !AccessFs::Refer)?);
    rules.push(rule(plan.verdicts, write_only)?);
    let status = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(abi))
        .and_then(|r| r.create())
        .and_then(|r| r.add_rules(rules.into_iter().map(Ok::<_, landlock::RulesetError>)))
        .and_then(|r| r.restrict_self())
        .map_err(|e| format!("Landlock: {e}"))?;
    let effective = match status.landlock {
        LandlockStatus::Available { effective_abi, .. } => Some(effective_abi),
        _ => None,
    };
    match (status.ruleset, effective) {
        (RulesetStatus::FullyEnforced, Some(abi)) => Ok(Enforced { abi: Some(abi_number(abi)) }),
        (RulesetStatus::PartiallyEnforced, _) | (RulesetStatus::FullyEnforced, None) => {
            Ok(Enforced { abi: None })
        }
        (RulesetStatus::NotEnforced, _) => Err(match status.landlock {
            LandlockStatus::NotEnabled => {
                "Landlock is built into this kernel but not enabled (lsm= boot option)".into()
            }
            LandlockStatus::NotImplemented => {
                "this kernel has no Landlock (Linux 5.13+ with CONFIG_SECURITY_LANDLOCK)".into()
            }
            _ => format!("Landlock did not enforce the rules (ABI {:?})", ABI::V5),
        }),
    }
}

/// The number of a Landlock ABI, for the report.
#[cfg(target_os = "linux")]
fn abi_number(abi: landlock::ABI) -> i32 {
    // ABI's discriminants are its version numbers.
    abi as i32
}

#[cfg(not(target_os = "linux"))]
pub fn restrict_thread(_plan: &DiskPlan) -> Result<Enforced, String> {
    Err("Landlock needs Linux".into())
}
