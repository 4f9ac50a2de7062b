//! `grader watch`: re-grades a kata once per save of one of its `src/` files, and shows only
//! that kata. Keys: n next kata, h hint, l list, r re-run, q (or Ctrl-C) quit.
//!
//! What counts as a save: the file watcher's create, modify (contents or name) and remove
//! events under `exercises/NN-name/src/`, gathered until the folder has been quiet for
//! [`SETTLE`] (an editor that writes a temp file and renames it makes one save), and only when
//! the kata's Rust sources now differ from what was last graded. Opening or reading a file is
//! not a save: grading itself reads every kata's sources, and a watcher that reacted to that
//! would re-grade forever.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use console::{Term, style};
use notify::event::{EventKind, ModifyKind};
use notify::{RecursiveMode, Watcher};

use crate::course::{Course, Exercise};

/// How long a kata's folder must be quiet before a burst of events counts as one save.
const SETTLE: Duration = Duration::from_millis(300);

/// What the watch loop reacts to.
enum Input {
    /// A file of this kata (index into the course) was written, created, renamed or removed.
    Changed(usize),
    Key(char),
}

/// Runs until `q` (or Ctrl-C); `grade_one` grades and prints one kata.
pub fn watch(
    course: &Course,
    state_dir: &Path,
    first: Exercise,
    grade_one: &dyn Fn(&Exercise) -> Result<()>,
) -> Result<()> {
    let (tx, rx) = mpsc::channel();
    let root = course.root.join("exercises");
    let dirs: Vec<String> = course.exercises.iter().map(Exercise::dir).collect();
    let changed = tx.clone();
    let watched_root = root.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if !is_save(&event.kind) {
            return;
        }
        for path in &event.paths {
            if let Some(i) = kata_of(path, &watched_root, &dirs) {
                let _ = changed.send(Input::Changed(i));
            }
        }
    })
    .context("starting the file watcher")?;
    watcher.watch(&root, RecursiveMode::Recursive).context("watching exercises/")?;

    let _raw = RawKeys::start(tx);
    let mut graded: BTreeMap<usize, Sources> =
        (0..course.exercises.len()).map(|i| (i, Sources::of(&src_dir(course, i)))).collect();
    let index = |ex: &Exercise| course.exercises.iter().position(|e| e.number == ex.number).unwrap_or(0);
    let mut current = index(&first);
    let mut count = 0u32;
    let term = Term::stdout();
    let mut show = |i: usize, graded: &mut BTreeMap<usize, Sources>| -> Result<()> {
        let ex = &course.exercises[i];
        graded.insert(i, Sources::of(&src_dir(course, i)));
        let _ = term.clear_screen();
        let started = Instant::now();
        grade_one(ex)?;
        count += 1;
        println!(
            "{}",
            style(format!(
                "grade {count} took {:.1} s · watching exercises/{}/src · n next kata · h hint · l list · r re-run · q quit",
                started.elapsed().as_secs_f64(),
                ex.dir()
            ))
            .dim()
        );
        Ok(())
    };
    show(current, &mut graded)?;
    while let Ok(input) = rx.recv() {
        let (touched, keys) = settle(&rx, input);
        if keys.contains(&'q') {
            break;
        }
        // Only a kata whose sources differ from what was graded: the watcher also reports
        // writes that change nothing (a save without edits, an editor's backup dance).
        let saved: Vec<usize> = touched
            .into_iter()
            .filter(|i| graded.get(i) != Some(&Sources::of(&src_dir(course, *i))))
            .collect();
        if !saved.is_empty() {
            // Stay on the kata being worked on; follow the student to another one they saved.
            if !saved.contains(&current) {
                current = *saved.last().expect("not empty");
            }
            show(current, &mut graded)?;
        }
        for key in keys {
            match key {
                'r' => show(current, &mut graded)?,
                'n' => {
                    current = (current + 1) % course.exercises.len();
                    show(current, &mut graded)?;
                }
                'h' => {
                    let ex = &course.exercises[current];
                    match crate::student::standing::load(state_dir, ex) {
                        Some(last) => {
                            println!("{}", crate::student::hint::step(course, state_dir, ex, &last))
                        }
                        None => println!("no result yet for {}", ex.dir()),
                    }
                }
                'l' => println!("{}", crate::student::list::render(course, state_dir)),
                _ => {}
            }
        }
    }
    Ok(())
}

/// The first input and everything that follows it until nothing has arrived for [`SETTLE`]:
/// the katas touched, and the keys pressed (a `q` ends the wait at once).
fn settle(rx: &mpsc::Receiver<Input>, first: Input) -> (BTreeSet<usize>, Vec<char>) {
    let (mut touched, mut keys) = (BTreeSet::new(), Vec::new());
    let mut next = Some(first);
    while let Some(input) = next.take() {
        match input {
            Input::Changed(i) => touched.insert(i),
            Input::Key(k) => {
                keys.push(k);
                if k == 'q' {
                    break;
                }
                true
            }
        };
        let wait = if touched.is_empty() { Duration::ZERO } else { SETTLE };
        next = rx.recv_timeout(wait).ok();
    }
    (touched, keys)
}

/// Writes, creations, renames and removals; not opens, reads, closes or metadata changes.
fn is_save(kind: &EventKind) -> bool {
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(m) => !matches!(m, ModifyKind::Metadata(_)),
        EventKind::Access(_) | EventKind::Any | EventKind::Other => false,
    }
}

/// The kata whose `src/` holds `path`, as an index into `dirs`.
fn kata_of(path: &Path, root: &Path, dirs: &[String]) -> Option<usize> {
    let rest = path.strip_prefix(root).ok()?;
    let mut parts = rest.components().map(|c| c.as_os_str().to_string_lossy());
    let dir = parts.next()?;
    (parts.next()? == "src").then(|| dirs.iter().position(|d| **d == *dir)).flatten()
}

fn src_dir(course: &Course, i: usize) -> PathBuf {
    course.root.join("exercises").join(course.exercises[i].dir()).join("src")
}

/// The Rust sources of a kata's `src/` (paths and a hash of each file), to tell a save that
/// changed something from one that did not. Editors' swap and backup files are not sources.
#[derive(Debug, PartialEq, Eq)]
struct Sources(Vec<(PathBuf, u64)>);

impl Sources {
    fn of(dir: &Path) -> Sources {
        let mut files = Vec::new();
        collect(dir, dir, &mut files);
        files.sort();
        Sources(files)
    }
}

fn collect(base: &Path, dir: &Path, out: &mut Vec<(PathBuf, u64)>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(base, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let mut hasher = std::hash::DefaultHasher::new();
            std::fs::read(&path).unwrap_or_default().hash(&mut hasher);
            out.push((path.strip_prefix(base).unwrap_or(&path).to_path_buf(), hasher.finish()));
        }
    }
}

/// Single keys from the terminal, without waiting for Enter and without echo, for as long as
/// this lives (the terminal's settings come back on drop); whole lines (first letter) when
/// stdin is not a terminal. Ctrl-C interrupts the whole foreground job, as it does normally.
struct RawKeys {
    #[cfg(unix)]
    saved: Option<nix::sys::termios::Termios>,
}

impl RawKeys {
    fn start(tx: mpsc::Sender<Input>) -> RawKeys {
        #[cfg(unix)]
        let saved = raw_mode();
        #[cfg(unix)]
        let raw = saved.is_some();
        #[cfg(not(unix))]
        let raw = false;
        std::thread::spawn(move || read_keys(tx, raw));
        RawKeys {
            #[cfg(unix)]
            saved,
        }
    }
}

impl Drop for RawKeys {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = &self.saved {
            restore(saved);
        }
    }
}

/// Puts stdin's terminal in raw input mode (no line buffering, no echo, Ctrl-C read as a
/// byte); output is left alone. The settings before, to restore.
#[cfg(unix)]
fn raw_mode() -> Option<nix::sys::termios::Termios> {
    use nix::sys::termios::{LocalFlags, SetArg, SpecialCharacterIndices, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    let saved = tcgetattr(&stdin).ok()?;
    let mut raw = saved.clone();
    raw.local_flags.remove(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG);
    raw.control_chars[SpecialCharacterIndices::VMIN as usize] = 1;
    raw.control_chars[SpecialCharacterIndices::VTIME as usize] = 0;
    tcsetattr(&stdin, SetArg::TCSANOW, &raw).ok()?;
    Some(saved)
}

#[cfg(unix)]
fn restore(saved: &nix::sys::termios::Termios) {
    let _ = nix::sys::termios::tcsetattr(std::io::stdin(), nix::sys::termios::SetArg::TCSANOW, saved);
}

fn read_keys(tx: mpsc::Sender<Input>, raw: bool) {
    use std::io::Read;
    let mut stdin = std::io::stdin();
    loop {
        let key = if raw {
            let mut byte = [0u8; 1];
            match stdin.read(&mut byte) {
                Ok(1) => char::from(byte[0]),
                Ok(_) | Err(_) => return,
            }
        } else {
            let mut line = String::new();
            match stdin.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => line.trim().chars().next().unwrap_or(' '),
            }
        };
        if key == '\u{3}' {
            interrupt();
        }
        let key = if key == '\u{1b}' { 'q' } else { key.to_ascii_lowercase() };
        if tx.send(Input::Key(key)).is_err() || key == 'q' {
            return;
        }
    }
}

/// Ctrl-C in raw mode: put the terminal back and interrupt the foreground job (this grader and
/// the builds and tests it started), as the terminal itself would.
fn interrupt() {
    #[cfg(unix)]
    {
        use nix::sys::termios::{LocalFlags, SetArg, tcgetattr, tcsetattr};
        let stdin = std::io::stdin();
        if let Ok(mut t) = tcgetattr(&stdin) {
            t.local_flags.insert(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG);
            let _ = tcsetattr(&stdin, SetArg::TCSANOW, &t);
        }
        let _ = nix::sys::signal::killpg(nix::unistd::getpgrp(), nix::sys::signal::Signal::SIGINT);
    }
    std::process::exit(130);
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{
        AccessKind, AccessMode, CreateKind, DataChange, MetadataKind, RemoveKind, RenameMode,
    };

    #[test]
    fn opens_reads_and_metadata_are_not_saves() {
        assert!(!is_save(&EventKind::Access(AccessKind::Open(AccessMode::Any))));
        assert!(!is_save(&EventKind::Access(AccessKind::Close(AccessMode::Read))));
        assert!(!is_save(&EventKind::Access(AccessKind::Close(AccessMode::Write))));
        assert!(!is_save(&EventKind::Modify(ModifyKind::Metadata(MetadataKind::Any))));
        assert!(is_save(&EventKind::Modify(ModifyKind::Data(DataChange::Any))));
        assert!(is_save(&EventKind::Modify(ModifyKind::Name(RenameMode::To))));
        assert!(is_save(&EventKind::Create(CreateKind::File)));
        assert!(is_save(&EventKind::Remove(RemoveKind::File)));
    }

    #[test]
    fn only_files_under_a_katas_src_belong_to_it() {
        let root = Path::new("/c/exercises");
        let dirs = vec!["01-threads".to_string(), "02-race-conditions".to_string()];
        assert_eq!(kata_of(Path::new("/c/exercises/02-race-conditions/src/lib.rs"), root, &dirs), Some(1));
        assert_eq!(kata_of(Path::new("/c/exercises/01-threads/src/a/b.rs"), root, &dirs), Some(0));
        assert_eq!(kata_of(Path::new("/c/exercises/01-threads/Cargo.toml"), root, &dirs), None);
        assert_eq!(kata_of(Path::new("/c/exercises/09-nope/src/lib.rs"), root, &dirs), None);
        assert_eq!(kata_of(Path::new("/elsewhere/01-threads/src/lib.rs"), root, &dirs), None);
    }

    #[test]
    fn a_burst_of_events_and_keys_settles_into_one_save() {
        let (tx, rx) = mpsc::channel();
        for i in [0, 0, 1, 0] {
            tx.send(Input::Changed(i)).unwrap();
        }
        tx.send(Input::Key('l')).unwrap();
        let (touched, keys) = settle(&rx, Input::Changed(0));
        assert_eq!(touched.into_iter().collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(keys, vec!['l']);
    }
}
