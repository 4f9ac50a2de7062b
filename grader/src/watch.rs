//! `grader watch`: re-grades a kata as soon as a file of its `src/` is saved, showing only that
//! kata. Keys: n next kata, h hint, l list, r re-run, q quit.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};
use console::{Key, Term, style};
use notify_debouncer_mini::{new_debouncer, notify::RecursiveMode};

use crate::course::{Course, Exercise};

/// What the watch loop reacts to.
enum Input {
    Saved(Exercise),
    Key(char),
}

/// Runs until `q`; `grade_one` grades and prints one kata.
pub fn watch(
    course: &Course,
    state_dir: &Path,
    first: Exercise,
    grade_one: &dyn Fn(&Exercise) -> Result<()>,
) -> Result<()> {
    let (tx, rx) = mpsc::channel();
    let exercises = course.exercises.clone();
    let root = course.root.join("exercises");
    let saved = tx.clone();
    let mut debouncer = new_debouncer(
        Duration::from_millis(250),
        move |events: notify_debouncer_mini::DebounceEventResult| {
            let Ok(events) = events else { return };
            let changed =
                events.iter().find_map(|e| exercises.iter().find(|ex| touches_src(&e.path, ex)).cloned());
            if let Some(ex) = changed {
                let _ = saved.send(Input::Saved(ex));
            }
        },
    )
    .context("starting the file watcher")?;
    debouncer.watcher().watch(&root, RecursiveMode::Recursive).context("watching exercises/")?;
    std::thread::spawn(move || read_keys(tx));

    let term = Term::stdout();
    let mut current = first;
    let show = |ex: &Exercise| -> Result<()> {
        let _ = term.clear_screen();
        grade_one(ex)?;
        println!(
            "{}",
            style(format!(
                "watching exercises/{}/src · n next kata · h hint · l list · r re-run · q quit",
                ex.dir()
            ))
            .dim()
        );
        Ok(())
    };
    show(&current)?;
    for input in rx {
        match input {
            Input::Saved(ex) => {
                current = ex;
                show(&current)?;
            }
            Input::Key('q') => break,
            Input::Key('r') => show(&current)?,
            Input::Key('n') => {
                let i = course.exercises.iter().position(|e| e.number == current.number).unwrap_or(0);
                current = course.exercises[(i + 1) % course.exercises.len()].clone();
                show(&current)?;
            }
            Input::Key('h') => match crate::progress::load(state_dir, &current) {
                Some(last) => println!("{}", crate::hint::render(course, &current, &last)),
                None => println!("no result yet for {}", current.dir()),
            },
            Input::Key('l') => println!("{}", crate::list::render(course, state_dir)),
            Input::Key(_) => {}
        }
    }
    Ok(())
}

fn touches_src(path: &Path, ex: &Exercise) -> bool {
    let parts: Vec<String> =
        path.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    parts.windows(3).any(|w| w[0] == "exercises" && w[1] == ex.dir() && w[2] == "src")
}

/// Single keys from a terminal; whole lines (first letter) when stdin is not one.
fn read_keys(tx: mpsc::Sender<Input>) {
    let term = Term::stdout();
    loop {
        let key = if term.is_term() {
            match term.read_key() {
                Ok(Key::Char(c)) => c,
                Ok(Key::Escape) => 'q',
                Ok(_) => continue,
                Err(_) => return,
            }
        } else {
            let mut line = String::new();
            match std::io::stdin().read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => line.trim().chars().next().unwrap_or(' '),
            }
        };
        if tx.send(Input::Key(key.to_ascii_lowercase())).is_err() {
            return;
        }
    }
}
