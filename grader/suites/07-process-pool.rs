//! Hidden tests of kata 07: the process pool. The workers are this suite binary, re-executed:
//! `main` calls the student's re-exec guard before anything else, so in a worker the guard
//! serves tasks and exits. Where the platform shows a test its processes (Linux), the tests
//! look at the workers from outside through /proc (their pids, parents, children and CPU
//! time); the only clock-based verdict is the CPU speedup.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use kit::reaper;
use kit::test;
use process_pool::*;

/// The jobs a worker of this suite can run.
const JOBS: &[Job] = &[
    Job::new("square", square),
    Job::new("pid", pid),
    Job::new("nap", nap),
    Job::new("burn", burn),
    Job::new("meet", meet),
    Job::new("maybe_crash", maybe_crash),
];

/// Set (by the test that needs it) to run `main` as a small program that uses a pool, like the
/// tutorial's script: without a re-exec guard, each of its workers would run it again.
const SCRIPT_ENV: &str = "KATA07_POOL_SCRIPT";

/// Set, where the test cannot watch processes, to a folder where each run of the script leaves
/// a marker: more than one means a worker ran `main` (the re-exec guard let it through).
const MARKS_ENV: &str = "KATA07_SCRIPT_MARKS";

fn main() {
    // The student's re-exec guard: in a worker it serves tasks and exits, elsewhere it returns.
    // (Caught so a `todo!()` guard still lets the suite list and run its tests; a worker whose
    // guard panics ends there, as a crashed worker.)
    let guard = std::panic::catch_unwind(|| worker_main_if_requested(JOBS));
    if guard.is_err() && std::env::var_os(WORKER_ENV).is_some() {
        std::process::exit(101);
    }
    if std::env::var_os(SCRIPT_ENV).is_some() {
        script();
        return;
    }
    // Where the grader cannot find and stop a process explosion (it sees no process tree
    // there), a worker the guard let through ends here, as a crashed worker, instead of
    // running the tests again and starting workers without end.
    if std::env::var_os(WORKER_ENV).is_some() && !kit::Needs::ProcessTree.here() {
        std::process::exit(101);
    }
    kit::suite(&[
        test!(the_worker_speaks_the_line_protocol)
            .hint("serve: for each line `<job> <input>` write `ok <output>` (or `err <reason>`) and flush"),
        test!(serve_flushes_each_answer_before_reading_the_next_task).hint(
            "call flush() on the output after each answer: through a pipe, an unflushed answer sits in a buffer and the pool waits for ever",
        ),
        test!(a_worker_process_answers_over_pipes_and_exits_0_at_end_of_input).hint(
            "in a worker, worker_main_if_requested serves stdin/stdout (each answer flushed) and, at end of input, calls std::process::exit(0)",
        ),
        test!(map_returns_results_in_input_order)
            .points(2)
            .hint("store each result at its input's index, not in the order the workers answer"),
        test!(the_workers_are_n_distinct_processes).points(2).hint(
            "start the N workers once in Pool::new and keep them for every task; a process per task is what a pool avoids",
        ),
        test!(the_workers_run_tasks_at_once)
            .points(2)
            .hint("give each worker its own thread in map, so N tasks are in flight at once"),
        test!(cpu_work_speeds_up_with_more_workers)
            .points(2)
            .timing()
            .deadline(Duration::from_secs(20))
            .hint("N workers computing at once use N cores: keep every worker busy until the inputs run out"),
        test!(a_crashed_worker_is_replaced_and_its_task_retried)
            .points(2)
            .hint("a read of 0 bytes (end of file) means the worker died: wait for it, start a new one, send the task again"),
        test!(a_task_that_always_crashes_is_reported_not_lost)
            .points(2)
            .hint("retry once only; after the second crash return Err(TaskError::Crashed) for that input and go on"),
        test!(crashed_workers_are_reaped_while_the_pool_lives).points(2).hint(
            "before starting a replacement, wait() for the dead worker: a Child dropped without wait stays a zombie until the pool's process ends",
        ),
        test!(edge_sizes_a_pool_of_zero_and_a_map_of_nothing)
            .hint("Pool::new(0) starts one worker (size.max(1)); a map of no inputs returns an empty Vec at once"),
        test!(an_input_with_a_newline_is_refused).hint(
            "an input with a '\\n' would be two task lines: refuse it (Err(TaskError::Refused)) without sending it",
        ),
        test!(an_unknown_job_is_refused).hint("a worker answers `err ...` for a job it does not know: Err(Refused)"),
        test!(dropping_the_pool_reaps_every_worker)
            .points(2)
            .hint("in Drop, close each worker's stdin (it exits at end of file), then wait for every worker"),
        test!(dropping_the_pool_kills_a_worker_that_hangs).deadline(Duration::from_secs(25)).hint(
            "in Drop, give the workers a deadline to exit after their stdin closes, then kill() the ones still running and wait() for them",
        ),
        test!(a_panic_in_the_caller_leaves_no_worker_behind)
            .hint("the pool's Drop runs during a panic too: shut down and reap the workers there"),
        test!(no_worker_starts_a_worker).points(2).hint(
            "a worker re-runs main from the top: call worker_main_if_requested first, and have it exit after serving",
        ),
    ]);
}

// ---------------------------------------------------------------------------------------------
// The jobs (they run inside the workers)

fn square(x: &str) -> String {
    let x: u64 = x.trim().parse().unwrap_or(0);
    (x * x).to_string()
}

fn pid(_: &str) -> String {
    std::process::id().to_string()
}

/// `ms value`: sleeps `ms` milliseconds, then answers `value`.
fn nap(arg: &str) -> String {
    let (ms, value) = arg.split_once(' ').unwrap_or((arg, ""));
    std::thread::sleep(Duration::from_millis(ms.parse().unwrap_or(0)));
    value.to_string()
}

/// `ms`: computes for `ms` milliseconds of this worker's CPU time, in slices of about 1 ms
/// wall time, and answers `pid start-end start-end ...`: the slices (in microseconds of the
/// system clock, which all processes share) in which this worker had the CPU at least 95% of
/// the time, merged when adjacent. Two workers' slices that overlap prove they computed at the
/// same moment; the worker's own CPU clock is exact, unlike what /proc shows of other processes.
fn burn(arg: &str) -> String {
    let target = Duration::from_millis(arg.parse().unwrap_or(0));
    let now_us = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let (mut used, mut on_cpu) = (Duration::ZERO, Vec::<(u64, u64)>::new());
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    while used < target {
        let Some(meter) = kit::CpuMeter::start() else { break };
        let (t0, clock) = (now_us(), Instant::now());
        while clock.elapsed() < Duration::from_millis(1) {
            for i in 0..1000 {
                x = std::hint::black_box(x.rotate_left(7) ^ i).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            }
        }
        let span = meter.stop();
        let t1 = now_us();
        used += span.cpu;
        if span.cpu.as_secs_f64() >= 0.95 * (t1.saturating_sub(t0)).as_secs_f64() {
            let (s, e) = (t0.as_micros() as u64, t1.as_micros() as u64);
            match on_cpu.last_mut() {
                Some(last) if s.saturating_sub(last.1) < 20 => last.1 = e,
                _ => on_cpu.push((s, e)),
            }
        }
    }
    let slices: Vec<String> = on_cpu.iter().map(|(s, e)| format!("{s}-{e}")).collect();
    std::hint::black_box(x);
    format!("{} {}", std::process::id(), slices.join(" ")).trim_end().to_string()
}

/// `dir n`: leaves a marker in `dir`, waits (up to 3 s) until `n` markers are there, answers
/// how many it saw: `n` only if `n` workers ran this task at the same time.
fn meet(arg: &str) -> String {
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let (dir, n) = arg.split_once(' ').unwrap_or((arg, "1"));
    let n: usize = n.parse().unwrap_or(1);
    let marker =
        Path::new(dir).join(format!("{}-{}", std::process::id(), SEQ.fetch_add(1, Ordering::SeqCst)));
    let _ = std::fs::write(marker, b"");
    let count = || std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
    let until = Instant::now() + Duration::from_secs(3);
    while count() < n && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(5));
    }
    count().to_string()
}

/// `ok:X` answers X; `once:DIR` crashes the worker the first time (no marker in DIR yet) and
/// answers `survived` on the retry; `always:DIR` leaves a marker and crashes every time.
fn maybe_crash(arg: &str) -> String {
    if let Some(x) = arg.strip_prefix("ok:") {
        return x.to_string();
    }
    if let Some(dir) = arg.strip_prefix("once:") {
        let marker = Path::new(dir).join("crashed-once");
        if marker.exists() {
            return "survived".into();
        }
        let _ = std::fs::write(marker, b"");
        std::process::exit(70);
    }
    if let Some(dir) = arg.strip_prefix("always:") {
        let _ = std::fs::write(Path::new(dir).join(format!("attempt-{}", std::process::id())), b"");
        std::process::exit(71);
    }
    format!("unknown argument {arg:?}")
}

/// The little program the re-exec test starts: a pool of one, a map, the results on stdout.
fn script() {
    // Counted by markers: a run that finds one already there is a worker running main, and
    // stops at once, so a missing guard cannot start workers without end.
    if let Some(dir) = std::env::var_os(MARKS_ENV) {
        let first = std::fs::read_dir(&dir).map_or(true, |d| d.count() == 0);
        let _ = std::fs::write(Path::new(&dir).join(std::process::id().to_string()), b"");
        if !first {
            return;
        }
    }
    let mut pool = Pool::new(1).expect("start a pool of one");
    let got = pool.map("nap", &["50 1", "50 4", "50 9", "50 16"]);
    let text: Vec<String> = got.into_iter().map(|r| r.unwrap_or_else(|e| format!("{e:?}"))).collect();
    println!("{}", text.join(","));
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// Why a test that watches processes is skipped where the platform has them.
const REFUSED: &str = "this system refused to make the test a child subreaper, which watching workers needs";

/// Makes this test process a child subreaper, or skips the test where that is impossible.
fn subreaper() {
    reaper::subreaper_or_skip(REFUSED);
}

/// Makes this test process a child subreaper where the platform shows a test its processes,
/// so it can look at the workers; false elsewhere, where those checks are left out.
fn watch_processes() -> bool {
    reaper::subreaper_where_possible(REFUSED)
}

fn new_pool(size: usize) -> Pool {
    kit::within(Duration::from_secs(5), "Pool::new", move || Pool::new(size)).expect("start the pool")
}

/// Runs `pool.map` under a deadline and gives the pool back.
fn map_within(
    mut pool: Pool,
    limit: Duration,
    job: &'static str,
    inputs: Vec<String>,
) -> (Pool, Vec<Result<String, TaskError>>) {
    kit::within(limit, &format!("map of {} `{job}` tasks", inputs.len()), move || {
        let got = pool.map(job, &inputs);
        (pool, got)
    })
}

/// A fresh empty folder for pid files and rendezvous markers, removed when dropped.
fn scratch() -> kit::Scratch {
    kit::Scratch::new("kata07")
}

fn oks(values: &[&str]) -> Vec<Result<String, TaskError>> {
    values.iter().map(|v| Ok(v.to_string())).collect()
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// Fails unless there are `n` distinct worker pids and, where the platform shows a test its
/// processes, each is a live child of this process running this same program, and none of
/// them has children of its own.
fn check_workers(pids: &[u32], n: usize) {
    let distinct: std::collections::BTreeSet<u32> = pids.iter().copied().collect();
    assert_eq!(distinct.len(), n, "the pool must have {n} distinct worker processes, has {pids:?}");
    if !kit::Needs::ProcessTree.here() {
        return;
    }
    let me = std::process::id();
    let exe = reaper::exe(me);
    for &pid in pids {
        let p = reaper::process(pid).unwrap_or_else(|| panic!("worker {pid} is not running"));
        assert!(!p.is_zombie(), "worker {pid} has died");
        assert_eq!(p.ppid, me, "worker {pid} must be a child of the process that made the pool");
        let its_exe = reaper::exe(pid);
        assert_eq!(its_exe, exe, "worker {pid} must be this same program, re-executed");
        let below = reaper::descendants_of(pid);
        kit::at_most(&format!("processes started by worker {pid}"), below.len(), 0, "processes");
    }
}

fn report(left: reaper::LeftBehind, when: &str) {
    left.fail_unless_empty(
        &format!("{when}, workers had ended but were never waited for (zombies)"),
        &format!("{when}, workers were still running"),
    );
}

// ---------------------------------------------------------------------------------------------
// Tests

fn the_worker_speaks_the_line_protocol() {
    let input = b"square 7\npid x\nnope 1\nsquare 12\n";
    let out = kit::within(Duration::from_secs(5), "serve", move || {
        let mut out = Vec::new();
        serve(JOBS, &input[..], &mut out).expect("serve returns Ok at the end of its input");
        out
    });
    let text = String::from_utf8_lossy(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "one answer line per task line, got {text:?}");
    assert_eq!(lines[0], "ok 49", "the answer to `square 7`");
    assert_eq!(lines[1], format!("ok {}", std::process::id()), "the answer to `pid x`");
    assert!(lines[2].starts_with("err "), "an unknown job gets `err <reason>`, got {:?}", lines[2]);
    assert_eq!(lines[3], "ok 144", "the answer to `square 12`");
}

/// Reads lines from a pipe on a thread of its own, so the test can wait for one with a deadline.
fn line_reader(from: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(from)) {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn serve_flushes_each_answer_before_reading_the_next_task() {
    // Real pipes, as between a pool and its worker: tasks go down one, answers come up the
    // other through a buffer that only a flush empties (what a BufWriter, or a locked stdout
    // into a pipe, does). The next task is sent only once the answer to the last has arrived,
    // as the pool does.
    let (task_out, task_in) = std::io::pipe().expect("a pipe for tasks");
    let (answer_out, answer_in) = std::io::pipe().expect("a pipe for answers");
    let server = std::thread::spawn(move || {
        let output = std::io::BufWriter::with_capacity(1 << 16, answer_in);
        serve(JOBS, std::io::BufReader::new(task_out), output)
    });
    let answers = line_reader(answer_out);
    let mut tasks = task_in;
    for (task, want) in
        [("square 7", "ok 49".to_string()), ("square 12", "ok 144".into()), ("nope 1", "err".into())]
    {
        std::io::Write::write_all(&mut tasks, format!("{task}\n").as_bytes()).expect("send a task");
        match answers.recv_timeout(Duration::from_secs(3)) {
            Ok(line) => {
                assert!(line.starts_with(&want), "the answer to `{task}`: got {line:?}, want {want:?}")
            }
            Err(_) => panic!(
                "no answer to `{task}` came through the pipe within 3 s: serve did not flush it, so a pool waiting for it would wait for ever"
            ),
        }
    }
    drop(tasks);
    let served = kit::within(Duration::from_secs(5), "serve, after its input ended", move || server.join());
    served.expect("serve panicked").expect("serve returns Ok at the end of its input");
}

fn a_worker_process_answers_over_pipes_and_exits_0_at_end_of_input() {
    // This suite binary started by hand as a worker, as a pool would start it.
    let exe = std::env::current_exe().expect("this program's path");
    let mut child = Command::new(exe)
        .env(WORKER_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start a worker");
    let pid = child.id();
    let answers = line_reader(child.stdout.take().expect("piped"));
    let mut errors = child.stderr.take().expect("piped");
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut errors, &mut text);
        text
    });
    let mut tasks = child.stdin.take().expect("piped");
    for (task, want) in [("square 9", "ok 81".to_string()), ("pid x", format!("ok {pid}"))] {
        let _ = std::io::Write::write_all(&mut tasks, format!("{task}\n").as_bytes());
        match answers.recv_timeout(Duration::from_secs(5)) {
            Ok(line) => assert_eq!(line, want, "the worker's answer to `{task}`"),
            Err(_) => {
                let exited = child.try_wait().ok().flatten();
                let _ = child.kill();
                let _ = child.wait();
                drop(tasks);
                let said = errors.join().unwrap_or_default();
                // Why no answer came: the worker's own todo!() or crash, else an unflushed buffer.
                if let Some(todo) = said.lines().find(|l| l.starts_with("not yet implemented")) {
                    panic!("{todo} (in the worker process)");
                }
                match exited {
                    Some(status) => panic!(
                        "the worker process ended ({status}) before it answered `{task}`; it said: {}",
                        said.trim()
                    ),
                    None => panic!(
                        "the worker sent no answer to `{task}` within 5 s: its answers stay in a buffer that is never flushed"
                    ),
                }
            }
        }
    }
    drop(tasks);
    let until = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() >= until {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the worker was still running 5 s after its stdin closed: at end of input it must exit");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert_eq!(status.code(), Some(0), "a worker exits with status 0 at the end of its input, got {status}");
}

fn map_returns_results_in_input_order() {
    let pool = new_pool(3);
    // Earlier inputs sleep longer, so the answers arrive in roughly reverse order.
    let inputs: Vec<String> = (0..9).map(|i| format!("{} v{i}", (9 - i) * 30)).collect();
    let (pool, got) = map_within(pool, Duration::from_secs(8), "nap", inputs);
    let want: Vec<String> = (0..9).map(|i| format!("v{i}")).collect();
    assert_eq!(got, oks(&want.iter().map(String::as_str).collect::<Vec<_>>()), "results in input order");
    let inputs: Vec<String> = (0..40).map(|i| i.to_string()).collect();
    let (_pool, got) = map_within(pool, Duration::from_secs(8), "square", inputs);
    let want: Vec<String> = (0..40u64).map(|i| (i * i).to_string()).collect();
    assert_eq!(got, oks(&want.iter().map(String::as_str).collect::<Vec<_>>()), "squares in input order");
}

fn the_workers_are_n_distinct_processes() {
    watch_processes();
    let pool = new_pool(3);
    assert_eq!(pool.size(), 3);
    let before = pool.worker_pids();
    check_workers(&before, 3);
    let (pool, got) =
        map_within(pool, Duration::from_secs(8), "pid", (0..30).map(|i| i.to_string()).collect());
    let ran: std::collections::BTreeSet<String> = got.into_iter().map(|r| r.expect("a pid")).collect();
    kit::at_most("distinct processes that ran the 30 tasks", ran.len(), 3, "processes");
    for pid in &ran {
        assert!(
            before.iter().any(|p| &p.to_string() == pid),
            "task ran in process {pid}, which is not one of the workers {before:?}"
        );
    }
    // worker_pids() promises the pids, not an order: compare them as sets.
    let set = |pids: Vec<u32>| pids.into_iter().collect::<std::collections::BTreeSet<u32>>();
    assert_eq!(set(pool.worker_pids()), set(before), "the same workers serve every task");
    check_workers(&pool.worker_pids(), 3);
}

fn the_workers_run_tasks_at_once() {
    const N: usize = 3;
    let pool = new_pool(N);
    let dir = scratch();
    let inputs: Vec<String> = (0..N).map(|_| format!("{} {N}", dir.display())).collect();
    let (_pool, got) = map_within(pool, Duration::from_secs(8), "meet", inputs);
    let fewest = got.iter().map(|r| r.as_ref().ok().and_then(|s| s.parse::<usize>().ok()).unwrap_or(0)).min();
    kit::at_least("tasks in flight at once (fewest any task saw)", fewest.unwrap_or(0), N, "tasks");
}

/// The answer of a `burn` task: the worker's pid and the intervals it was surely on a core.
struct Burned {
    pid: String,
    on_cpu: Vec<(u64, u64)>,
}

fn parse_burned(answer: &str) -> Burned {
    let mut parts = answer.split(' ');
    let pid = parts.next().unwrap_or_default().to_string();
    let on_cpu = parts
        .filter_map(|iv| iv.split_once('-'))
        .filter_map(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        .collect();
    Burned { pid, on_cpu }
}

/// Microseconds during which two or more workers were on a core at the same moment.
fn overlap_us(burned: &[Burned]) -> u64 {
    // A worker runs one task at a time, so its own intervals never overlap: a sweep over every
    // interval's start (+1) and end (-1) counts the workers on a core at each moment.
    let mut events: Vec<(u64, i32)> =
        burned.iter().flat_map(|b| b.on_cpu.iter().flat_map(|&(s, e)| [(s, 1), (e, -1)])).collect();
    events.sort();
    let (mut on, mut since, mut total) = (0, 0, 0);
    for (t, step) in events {
        if on >= 2 {
            total += t - since;
        }
        on += step;
        since = t;
    }
    total
}

fn cpu_work_speeds_up_with_more_workers() {
    kit::require_some(kit::Needs::ProcessCpu, kit::CpuMeter::start());
    let cores = kit::cores();
    if cores < 2 {
        kit::skip("computing in two processes at once needs 2 or more cores; this machine gives 1");
    }
    const BAR_MS: f64 = 5.0;
    let n = cores.min(4);
    let tasks = 4 * n;
    let inputs: Vec<String> = (0..tasks).map(|_| "60".to_string()).collect();
    let before = kit::free_cores(2, Duration::from_millis(100));
    let start = Instant::now();
    let (one, _) = map_within(new_pool(1), Duration::from_secs(15), "burn", inputs.clone());
    let wall_one = start.elapsed().as_secs_f64();
    drop(one);
    let many = new_pool(n);
    let start = Instant::now();
    let (many, got) = map_within(many, Duration::from_secs(15), "burn", inputs);
    let wall_many = start.elapsed().as_secs_f64();
    drop(many);
    let after = kit::free_cores(2, Duration::from_millis(100));
    let burned: Vec<Burned> =
        got.iter().map(|r| parse_burned(r.as_deref().expect("every burn task answers"))).collect();
    let workers: std::collections::BTreeSet<&str> = burned.iter().map(|b| b.pid.as_str()).collect();
    let overlap_ms = overlap_us(&burned) as f64 / 1000.0;
    let free = before.min(after);
    kit::figure("cores a busy loop got, before and after", free, "x");
    kit::figure(&format!("wall-time speedup of {n} workers over 1"), wall_one / wall_many, "x");
    kit::figure("workers that ran the tasks", workers.len(), "workers");
    // Overlap proves parallel work however busy the machine is; its absence proves a fault only
    // when the machine had two cores to give.
    if overlap_ms < BAR_MS && kit::too_busy(free) {
        kit::figure("time two workers computed at the same moment", overlap_ms, "ms");
        kit::skip_too_busy(free);
    }
    kit::at_least("time two workers computed at the same moment", overlap_ms, BAR_MS, "ms");
}

fn a_crashed_worker_is_replaced_and_its_task_retried() {
    watch_processes();
    let pool = new_pool(2);
    let before = pool.worker_pids();
    let dir = scratch();
    let inputs = vec![
        "ok:a".to_string(),
        "ok:b".to_string(),
        format!("once:{}", dir.display()),
        "ok:d".to_string(),
        "ok:e".to_string(),
    ];
    let (pool, got) = map_within(pool, Duration::from_secs(8), "maybe_crash", inputs);
    assert_eq!(got.len(), 5, "one result per input: no task may be lost");
    assert_eq!(got, oks(&["a", "b", "survived", "d", "e"]), "the crashed task is retried once and succeeds");
    let after = pool.worker_pids();
    check_workers(&after, 2);
    let replaced = after.iter().filter(|p| !before.contains(p)).count();
    kit::at_least("workers replaced after one crash", replaced, 1, "workers");
    let (_pool, got) = map_within(pool, Duration::from_secs(8), "square", strings(&["5", "6"]));
    assert_eq!(got, oks(&["25", "36"]), "the pool works after a crash");
}

fn a_task_that_always_crashes_is_reported_not_lost() {
    watch_processes();
    let pool = new_pool(2);
    let (dir1, dir2) = (scratch(), scratch());
    let inputs = vec![
        "ok:1".to_string(),
        format!("always:{}", dir1.display()),
        "ok:3".to_string(),
        format!("always:{}", dir2.display()),
        "ok:5".to_string(),
    ];
    let (pool, got) = map_within(pool, Duration::from_secs(8), "maybe_crash", inputs);
    let attempts = |d: &Path| std::fs::read_dir(d).map(|d| d.count()).unwrap_or(0);
    let (a1, a2) = (attempts(&dir1), attempts(&dir2));
    assert_eq!(got.len(), 5, "one result per input: a failed task must be reported, not dropped");
    assert_eq!(
        got,
        vec![
            Ok("1".into()),
            Err(TaskError::Crashed),
            Ok("3".into()),
            Err(TaskError::Crashed),
            Ok("5".into())
        ],
        "a task that crashes twice is Err(TaskError::Crashed), and the other results still arrive"
    );
    kit::at_least("attempts at a task that always crashes", a1.min(a2), 2, "attempts");
    kit::at_most("attempts at a task that always crashes", a1.max(a2), 2, "attempts");
    check_workers(&pool.worker_pids(), 2);
}

fn crashed_workers_are_reaped_while_the_pool_lives() {
    subreaper();
    let pool = new_pool(2);
    let dirs: Vec<kit::Scratch> = (0..3).map(|_| scratch()).collect();
    let mut inputs: Vec<String> = dirs.iter().map(|d| format!("always:{}", d.display())).collect();
    inputs.push("ok:x".into());
    // Three tasks that crash twice each: six workers died and were replaced.
    let (pool, got) = map_within(pool, Duration::from_secs(10), "maybe_crash", inputs);
    assert_eq!(got.len(), 4, "one result per input");
    let me = std::process::id();
    let live = pool.worker_pids();
    let zombies = |below: &[reaper::Proc]| -> Vec<reaper::Proc> {
        below.iter().filter(|p| p.ppid == me && p.is_zombie() && !live.contains(&p.pid)).cloned().collect()
    };
    // A pool may reap a little later than the crash, but not only when it is dropped.
    let until = Instant::now() + Duration::from_secs(2);
    let mut left = zombies(&reaper::descendants());
    while !left.is_empty() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
        left = zombies(&reaper::descendants());
    }
    kit::figure("crashed workers", 6, "processes");
    let described: Vec<String> = left.iter().map(reaper::Proc::describe).collect();
    kit::at_most("dead workers never waited for, while the pool lives (zombies)", left.len(), 0, "zombies");
    assert!(described.is_empty());
    check_workers(&pool.worker_pids(), 2);
    drop(pool);
}

fn edge_sizes_a_pool_of_zero_and_a_map_of_nothing() {
    let pool = kit::within(Duration::from_secs(5), "Pool::new(0)", || Pool::new(0)).expect("Pool::new(0)");
    assert_eq!(pool.size(), 1, "a pool asked for 0 workers starts one (at least one)");
    assert_eq!(pool.worker_pids().len(), 1, "worker_pids of a pool of one");
    let (pool, got) = map_within(pool, Duration::from_secs(5), "square", vec![]);
    assert!(got.is_empty(), "a map of no inputs returns no results, got {got:?}");
    let (_pool, got) = map_within(pool, Duration::from_secs(5), "square", strings(&["4", "5"]));
    assert_eq!(got, oks(&["16", "25"]), "the pool of one runs tasks");
}

fn an_input_with_a_newline_is_refused() {
    let pool = new_pool(2);
    let inputs = strings(&["2", "3\nsquare 4", "5"]);
    let (pool, got) = map_within(pool, Duration::from_secs(8), "square", inputs);
    assert_eq!(got.len(), 3, "one result per input, got {got:?}");
    assert!(
        matches!(got[1], Err(TaskError::Refused(_))),
        "an input holding a newline is not one task line: Err(TaskError::Refused(..)), got {:?}",
        got[1]
    );
    assert_eq!(
        (&got[0], &got[2]),
        (&Ok("4".to_string()), &Ok("25".to_string())),
        "the other inputs' results"
    );
    let (_pool, got) = map_within(pool, Duration::from_secs(8), "square", strings(&["6", "7"]));
    assert_eq!(got, oks(&["36", "49"]), "the answers stay in step after the refused input");
}

fn an_unknown_job_is_refused() {
    let pool = new_pool(2);
    let (pool, got) = map_within(pool, Duration::from_secs(8), "no_such_job", strings(&["1", "2", "3"]));
    assert_eq!(got.len(), 3);
    assert!(
        got.iter().all(|r| matches!(r, Err(TaskError::Refused(_)))),
        "an unknown job is Err(TaskError::Refused(..)) for every input, got {got:?}"
    );
    let (_pool, got) = map_within(pool, Duration::from_secs(8), "square", strings(&["3"]));
    assert_eq!(got, oks(&["9"]));
}

fn dropping_the_pool_reaps_every_worker() {
    subreaper();
    let pool = new_pool(3);
    let pids = pool.worker_pids();
    let (pool, _) = map_within(pool, Duration::from_secs(8), "square", strings(&["1", "2", "3", "4"]));
    kit::within(Duration::from_secs(5), "dropping the pool", move || drop(pool));
    report(reaper::settle(&pids, Duration::from_secs(2)), "after the pool was dropped");
}

fn dropping_the_pool_kills_a_worker_that_hangs() {
    subreaper();
    let pool = new_pool(2);
    let pids = pool.worker_pids();
    let (pool, _) = map_within(pool, Duration::from_secs(8), "square", strings(&["1", "2"]));
    // Freeze one worker: it can no longer see its stdin close, so only a kill ends it.
    let stopped = Command::new("kill").args(["-STOP", &pids[0].to_string()]).status();
    if !stopped.is_ok_and(|s| s.success()) {
        kit::skip("stopping a process needs the `kill` command");
    }
    let start = Instant::now();
    kit::within(Duration::from_secs(20), "dropping a pool with a worker that never exits", move || {
        drop(pool)
    });
    kit::figure("time to drop the pool", start.elapsed(), "s");
    report(reaper::settle(&pids, Duration::from_secs(2)), "after the pool was dropped with a hung worker");
}

fn a_panic_in_the_caller_leaves_no_worker_behind() {
    subreaper();
    let pids = std::sync::Mutex::new(Vec::new());
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut pool = Pool::new(3).expect("start the pool");
        pids.lock().unwrap().extend(pool.worker_pids());
        let got = pool.map("square", &["2"]);
        assert_eq!(got, oks(&["4"]));
        panic!("the caller panics while the pool is alive");
    }));
    let payload = outcome.expect_err("the body panics");
    if kit::harness::payload_text(&*payload) != "the caller panics while the pool is alive" {
        std::panic::resume_unwind(payload);
    }
    let pids = pids.into_inner().unwrap();
    report(reaper::settle(&pids, Duration::from_secs(3)), "after a panic unwound through the pool");
}

fn no_worker_starts_a_worker() {
    let watched = watch_processes();
    drop(new_pool(1)); // a pool must start at all before the script can use one
    // Run this suite binary as a little program that uses a pool of one (see `script`). Its
    // worker is the same program again: only the re-exec guard stops it from running the
    // program from the top, and so starting a pool, and workers, of its own.
    let marks = scratch();
    let exe = std::env::current_exe().expect("this program's path");
    let mut script = Command::new(exe);
    script.env(SCRIPT_ENV, "1").env_remove(WORKER_ENV).stdin(Stdio::null()).stdout(Stdio::piped());
    if !watched {
        script.env(MARKS_ENV, &*marks);
    }
    let mut child = script.spawn().expect("start the script");
    let script_pid = child.id();
    let mut deepest = 0;
    let until = Instant::now() + Duration::from_secs(8);
    let status = loop {
        // Depth of the process tree below the script: 1 means workers with no children.
        if watched {
            let below = reaper::descendants_of(script_pid);
            let depth = below.iter().map(|p| depth_below(p.pid, script_pid, &below)).max().unwrap_or(0);
            deepest = deepest.max(depth);
        }
        if let Some(status) = child.try_wait().expect("try_wait") {
            break Some(status);
        }
        if Instant::now() >= until {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        let _ = std::io::Read::read_to_string(&mut stdout, &mut out);
    }
    if watched {
        kit::at_most("levels of processes below the script (1: its workers)", deepest, 1, "levels");
    } else {
        let runs = std::fs::read_dir(&*marks).map_or(0, |d| d.count());
        kit::at_most("runs of the script's main (1: a worker must not run it)", runs, 1, "runs");
    }
    let status = status.expect("the script did not finish within 8 s");
    assert!(status.success(), "the script failed: {status}");
    assert_eq!(out.trim(), "1,4,9,16", "the script's output");
    if watched {
        report(reaper::settle_all(Duration::from_secs(2)), "after the script ended");
    }
}

/// How many parent links lead from `pid` up to `root` within `procs`.
fn depth_below(pid: u32, root: u32, procs: &[reaper::Proc]) -> usize {
    let mut depth = 1;
    let mut at = pid;
    while let Some(p) = procs.iter().find(|p| p.pid == at) {
        if p.ppid == root {
            return depth;
        }
        at = p.ppid;
        depth += 1;
    }
    depth
}
