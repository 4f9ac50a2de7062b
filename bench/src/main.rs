//! `cargo run --release -p bench [-- grader|solutions|batch]`: measures, prints the tables and
//! writes them to docs/benchmarks.md with the machine they came from.
//! `cargo run --release -p bench -- stability [--runs N] [--busy B]`: grades the solutions and
//! every correct alternate N times with the cores kept busy (src/stability.rs).
//! `cargo run --release -p bench -- mutants [--kata NN] [--limit N]`: the mutation run, written
//! to docs/mutants.md (see src/mutants/).

mod batch;
mod files;
mod grader;
mod machine;
mod mutants;
mod solutions;
mod stability;
mod table;

use std::path::PathBuf;

fn main() {
    // First thing: in a worker process of the process-pool benchmark this serves tasks and exits.
    solutions::worker_guard();
    let which = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("bench/ has a parent").to_path_buf();
    if which == "stability" {
        let args: Vec<String> = std::env::args().skip(2).collect();
        std::process::exit(stability::run(&root, &args));
    }
    if which == "mutants" {
        let args: Vec<String> = std::env::args().skip(2).collect();
        mutants::run(&root, &args);
        return;
    }
    if !["all", "grader", "solutions", "batch"].contains(&which.as_str()) {
        eprintln!("usage: bench [grader|solutions|batch | stability [--runs N] | mutants [--kata NN]]");
        std::process::exit(2);
    }
    let mut sections = vec![machine::describe()];
    if which == "all" || which == "grader" {
        sections.push(grader::run(&root));
    }
    if which == "all" || which == "solutions" {
        sections.push(solutions::run(&root));
    }
    if which == "all" || which == "batch" {
        sections.push(batch::run_all(&root));
    }
    sections.push(stability::doc_section());
    let out = root.join("docs/benchmarks.md");
    if which != "all" {
        // One section: put it in place of its namesake in the file, keeping the others.
        let old = std::fs::read_to_string(&out).unwrap_or_default();
        let mut text = old.clone();
        for section in &sections[1..] {
            let title = section.lines().next().unwrap_or_default();
            text = match text.find(title) {
                Some(at) => {
                    let end = text[at + title.len()..]
                        .find("\n## ")
                        .map_or(text.len(), |e| at + title.len() + e + 1);
                    format!("{}{}\n\n{}", &text[..at], section.trim_end(), &text[end..])
                }
                None => format!("{}\n{}", text.trim_end(), section),
            };
        }
        println!("{}", sections[1..].join("\n"));
        std::fs::write(&out, text).expect("write docs/benchmarks.md");
        eprintln!("updated {}", out.display());
        return;
    }
    let text = format!(
        "# Benchmarks\n\nWritten by `cargo run --release -p bench`; rerun it to refresh. Figures are medians of \
         repeats measured in one run on the machine below.\n\n{}",
        sections.join("\n")
    );
    println!("{text}");
    std::fs::write(&out, &text).expect("write docs/benchmarks.md");
    eprintln!("wrote {}", out.display());
}
