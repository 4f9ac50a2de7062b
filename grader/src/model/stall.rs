//! What a test was doing when its deadline came, as the report tells it: part of the JSON
//! schema, filled in by the supervisor's inspection.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StallKind {
    /// Every thread asleep waiting on a lock, condition variable, channel or join.
    Deadlock,
    /// At least one thread kept using CPU: a busy or endless loop.
    Busy,
    /// Threads asleep on something else (a sleep, a pipe, a socket).
    Sleeping,
    /// Threads ready to run but kept waiting for a core: the machine was too busy to judge.
    Starved,
    /// The process could not be read (not Linux, or already gone).
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadState {
    /// The kernel's thread id, to match what else is learnt about the thread; not reported.
    #[serde(skip)]
    pub tid: u32,
    pub name: String,
    /// The kernel's state letter: R running, S sleeping, D disk wait, Z zombie.
    pub state: String,
    /// The kernel function it sleeps in, such as `futex_wait_queue` or `hrtimer_nanosleep`.
    pub wchan: String,
    /// CPU milliseconds it used between the two samples.
    pub cpu_ms: u64,
    /// Milliseconds it spent ready to run but waiting for a core, over its whole life.
    #[serde(default)]
    pub wait_ms: u64,
    /// Its innermost frame in the kata's own code (`exercises/09-deadlocks/src/lib.rs:13`), where
    /// a debugger could read its stack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// The call it was in there (`Mutex::lock`); none when it was running the kata's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waits_in: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stall {
    pub kind: StallKind,
    pub threads: Vec<ThreadState>,
}

impl Stall {
    /// One sentence a student understands, then where the threads of the kata's code were.
    pub fn summary(&self) -> String {
        // Threads at the same place are named together, each name once with a count.
        let main = self.threads.first().map(|m| m.name.as_str()).filter(|_| self.threads.len() > 1);
        let mut places: Vec<(String, Vec<(&str, usize)>)> = Vec::new();
        for t in &self.threads {
            let Some(at) = t.at.as_deref() else { continue };
            let name = if Some(t.name.as_str()) == main { "unnamed" } else { t.name.as_str() };
            let place = match &t.waits_in {
                Some(call) => format!("in {call} at {at}"),
                None => format!("running at {at}"),
            };
            let names = match places.iter_mut().find(|(p, _)| *p == place) {
                Some((_, names)) => names,
                None => {
                    places.push((place, Vec::new()));
                    &mut places.last_mut().expect("just pushed").1
                }
            };
            match names.iter_mut().find(|(n, _)| *n == name) {
                Some((_, c)) => *c += 1,
                None => names.push((name, 1)),
            }
        }
        let places: Vec<String> = places
            .into_iter()
            .map(|(place, names)| {
                let names: Vec<String> = names
                    .into_iter()
                    .map(|(n, c)| if c == 1 { n.to_string() } else { format!("{n} ×{c}") })
                    .collect();
                format!("{} {place}", names.join(", "))
            })
            .collect();
        match places.is_empty() {
            true => self.what(),
            false => format!("{}; where: {}", self.what(), places.join("; ")),
        }
    }

    fn what(&self) -> String {
        let n = self.threads.len();
        // Unnamed threads carry the test binary's name (the first thread's): say so once, with
        // a count, rather than that name seven times.
        let main = self.threads.first().map(|t| t.name.clone()).unwrap_or_default();
        let names = |pred: &dyn Fn(&ThreadState) -> bool| {
            let mut counts: Vec<(String, usize)> = Vec::new();
            for t in self.threads.iter().filter(|t| pred(t)) {
                let name = if t.name == main { "unnamed".to_string() } else { t.name.clone() };
                match counts.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, c)) => *c += 1,
                    None => counts.push((name, 1)),
                }
            }
            let v: Vec<String> =
                counts.into_iter().map(|(n, c)| if c == 1 { n } else { format!("{n} ×{c}") }).collect();
            v.join(", ")
        };
        let threads = |k: usize| protocol::quantity(k as f64, "threads");
        match self.kind {
            StallKind::Deadlock => format!(
                "deadlock: {} asleep waiting on a lock, condition variable, channel or join ({})",
                if n == 1 { "the only thread was".to_string() } else { format!("all {} were", threads(n)) },
                names(&|_| true)
            ),
            StallKind::Busy => format!(
                "busy loop: {} of {n} kept running without finishing ({})",
                threads(self.threads.iter().filter(|t| t.cpu_ms > 0).count()),
                names(&|t| t.cpu_ms > 0)
            ),
            StallKind::Sleeping => format!(
                "stuck waiting: {} asleep in {}",
                threads(n),
                self.threads
                    .iter()
                    .map(|t| t.wchan.as_str())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            StallKind::Starved => format!(
                "the machine was too busy: {n} threads were kept waiting {} ms for a core",
                self.threads.iter().map(|t| t.wait_ms).sum::<u64>()
            ),
            StallKind::Unknown => "the process could not be inspected".to_string(),
        }
    }
}
