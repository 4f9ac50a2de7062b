//! Starts the mock bookstore by hand, to browse it or to point your scraper at it:
//!
//! ```text
//! cargo run -p bookstore -- --port 8000 --latency-ms 200
//! ```
//!
//! Options: `--port N` (default 8000; 0 picks a free port), `--seed N`, `--books N`,
//! `--per-page N`, `--latency-ms N` (every request), `--flaky PATH:N` (PATH answers 503 N
//! times), `--hang PATH` (PATH never answers), `--close PATH` (PATH closes the connection).
//! Stop it with Ctrl-C.

use std::time::Duration;

use bookstore::Bookstore;

const USAGE: &str = "usage: bookstore [--port N] [--seed N] [--books N] [--per-page N] [--latency-ms N] \
                     [--flaky PATH:N] [--hang PATH] [--close PATH]";

fn main() {
    let mut builder = Bookstore::builder().port(8000);
    let mut flaky = Vec::new();
    let mut hang = Vec::new();
    let mut close = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            return;
        }
        let Some(value) = args.next() else { fail(&format!("{flag} needs a value")) };
        let number = || value.parse::<u64>().unwrap_or_else(|_| fail(&format!("{flag}: not a number")));
        builder = match flag.as_str() {
            "--port" => builder.port(number() as u16),
            "--seed" => builder.seed(number()),
            "--books" => builder.books(number() as usize),
            "--per-page" => builder.per_page(number() as usize),
            "--latency-ms" => builder.latency(Duration::from_millis(number())),
            "--flaky" => {
                let (path, n) = value.rsplit_once(':').unwrap_or_else(|| fail("--flaky wants PATH:N"));
                flaky.push((path.to_string(), n.parse().unwrap_or_else(|_| fail("--flaky wants PATH:N"))));
                builder
            }
            "--hang" => {
                hang.push(value);
                builder
            }
            "--close" => {
                close.push(value);
                builder
            }
            _ => fail(&format!("unknown option {flag}")),
        };
    }
    let store = builder.try_start().unwrap_or_else(|e| fail(&format!("cannot listen: {e}")));
    for (path, n) in &flaky {
        store.fail_next(path, *n);
    }
    hang.iter().for_each(|p| store.hang(p));
    close.iter().for_each(|p| store.close_connection(p));
    println!(
        "The mock bookstore is open at {} ({} books on {} pages). Ctrl-C to stop.",
        store.base_url(),
        store.books().len(),
        store.page_count()
    );
    println!("  catalogue: {}", store.page_url(1));
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

fn fail(why: &str) -> ! {
    eprintln!("bookstore: {why}\n{USAGE}");
    std::process::exit(2);
}
