//! Parsers of /proc/PID/stat, status and schedstat (the same layout for a thread's files).

use std::time::Duration;

use crate::Proc;

/// Parses `pid (name) S ppid ...`; the name may hold spaces and parentheses, so it ends at the
/// last `)`. `ticks` is the kernel's clock ticks per second, to turn utime+stime into time.
pub(crate) fn stat(pid: u32, text: &str, ticks: u64) -> Option<Proc> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?.to_string();
    let fields: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    let number = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    let cpu_ticks = number(11)? + number(12)?;
    Some(Proc {
        pid,
        ppid: fields.get(1)?.parse().ok()?,
        state: fields.first()?.chars().next()?,
        name,
        cpu: Duration::from_nanos(cpu_ticks.saturating_mul(1_000_000_000) / ticks.max(1)),
    })
}

/// `/proc/PID/status`: `Key:\tvalue` lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    fields: Vec<(String, String)>,
}

impl Status {
    pub(crate) fn parse(text: &str) -> Status {
        let fields = text
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        Status { fields }
    }

    /// The value after `key:`, trimmed.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// How often the task went to sleep waiting (for a lock, a channel, a sleep).
    pub fn voluntary_switches(&self) -> Option<u64> {
        self.get("voluntary_ctxt_switches")?.parse().ok()
    }
}

/// `/proc/PID/schedstat`: time on a CPU, time waiting for one, and time slices run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Schedstat {
    pub on_cpu: Duration,
    /// Time spent ready to run but waiting for a core.
    pub waiting: Duration,
    pub slices: u64,
}

impl Schedstat {
    pub(crate) fn parse(text: &str) -> Option<Schedstat> {
        let mut f = text.split_whitespace().map(|v| v.parse::<u64>().ok());
        Some(Schedstat {
            on_cpu: Duration::from_nanos(f.next()??),
            waiting: Duration::from_nanos(f.next()??),
            slices: f.next()??,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_spaces_and_parentheses_parse() {
        let p = stat(7, "7 (a (b) c) S 1 7 7 0 -1 0 0 0 0 0 250 50 0 0", 100).unwrap();
        assert_eq!((p.name.as_str(), p.state, p.ppid), ("a (b) c", 'S', 1));
        assert_eq!(p.cpu, Duration::from_secs(3));
    }

    #[test]
    fn a_truncated_stat_is_refused() {
        assert_eq!(stat(7, "7 (x) S 1 7", 100), None);
    }

    #[test]
    fn status_and_schedstat_parse() {
        let s = Status::parse("Name:\tx\nvoluntary_ctxt_switches:\t42\nnonvoluntary_ctxt_switches:\t3\n");
        assert_eq!((s.get("Name"), s.voluntary_switches()), (Some("x"), Some(42)));
        let t = Schedstat::parse("1500 2000 7\n").unwrap();
        assert_eq!((t.on_cpu.as_nanos(), t.waiting.as_nanos(), t.slices), (1500, 2000, 7));
    }
}
