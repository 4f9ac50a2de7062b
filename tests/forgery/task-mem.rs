//! The same read, through the /proc entry of another thread of this process
//! (/proc/self/task/TID/mem): denying only /proc/self/mem is not enough.

pub fn forge() {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let helper = std::thread::spawn(move || rx.recv());
    let me = std::process::id().to_string();
    let tasks = std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten();
    let other = tasks.map(|t| t.file_name().to_string_lossy().into_owned()).find(|t| *t != me);
    if let Some(tid) = other {
        let dir = format!("/proc/self/task/{tid}");
        if let Some(nonce) = crate::nonce_in(&format!("{dir}/maps"), &format!("{dir}/mem")) {
            crate::pass_with(&nonce);
        }
    }
    drop(tx);
    let _ = helper.join();
}
