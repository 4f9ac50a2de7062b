//! A mock bookstore: a real HTTP/1.1 server on loopback for the async katas (11 and 12).
//!
//! It serves a paginated catalogue generated from a seed, so tests know every book it lists:
//! `/catalogue/page-{n}.html` lists the books of page `n` (title, link, price, star rating)
//! and says "Page n of N"; `/catalogue/book-{id}.html` is one book's page; `/` links to page 1.
//!
//! The server runs on its own OS thread with its own tokio runtime, so code under test that
//! blocks its own runtime cannot stall it. It binds port 0 by default (the OS picks a free
//! port) and shuts down when the [`Bookstore`] is dropped. It counts every request per path,
//! tracks requests in flight with a high-water mark, and lets a test slow a path down, make
//! it answer 503 a number of times, hang, or close the connection without answering.
//!
//! ```no_run
//! let store = bookstore::Bookstore::builder().seed(7).books(45).per_page(10).start();
//! println!("browse {}", store.page_url(1));
//! assert_eq!(store.page_count(), 5);
//! ```

mod catalogue;
mod server;

use std::collections::{BTreeMap, HashMap};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use catalogue::{Book, RATING_WORDS};

/// What a path does instead of answering normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Answer `503 Service Unavailable` this many more times, then normally.
    Unavailable(u32),
    /// Never answer: hold the request until the client gives up (or the server stops).
    Hang,
    /// Close the connection without sending a response.
    Close,
}

/// State shared between the handle and the server thread.
struct Shared {
    books: Vec<Book>,
    per_page: usize,
    hits: Mutex<HashMap<String, u64>>,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    knobs: Mutex<Knobs>,
}

#[derive(Default)]
struct Knobs {
    default_latency: Duration,
    latency: HashMap<String, Duration>,
    faults: HashMap<String, Fault>,
}

/// How the server will treat one request, decided when it arrives.
struct Plan {
    latency: Duration,
    fault: Option<Fault>,
}

impl Shared {
    fn pages(&self) -> usize {
        self.books.len().div_ceil(self.per_page).max(1)
    }

    fn page_books(&self, n: usize) -> &[Book] {
        let start = ((n - 1) * self.per_page).min(self.books.len());
        let end = (n * self.per_page).min(self.books.len());
        &self.books[start..end]
    }

    /// The body of a 200 answer for `path`, or `None` for a 404.
    fn body(&self, path: &str) -> Option<String> {
        if path == "/" || path == "/index.html" {
            return Some(catalogue::index_html(self.pages(), self.books.len()));
        }
        let rest = path.strip_prefix("/catalogue/")?;
        if let Some(n) = rest.strip_prefix("page-").and_then(|r| r.strip_suffix(".html")) {
            let n: usize = n.parse().ok().filter(|n| (1..=self.pages()).contains(n))?;
            return Some(catalogue::page_html(n, self.pages(), self.page_books(n)));
        }
        let id = rest.strip_prefix("book-").and_then(|r| r.strip_suffix(".html"))?;
        let id: usize = id.parse().ok().filter(|id| (1..=self.books.len()).contains(id))?;
        Some(catalogue::book_html(&self.books[id - 1]))
    }

    fn knobs(&self) -> MutexGuard<'_, Knobs> {
        self.knobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn hit_table(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        self.hits.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a request for `path` and decides what to do with it (using up one 503).
    fn arrive(&self, path: &str) -> Plan {
        *self.hit_table().entry(path.to_string()).or_default() += 1;
        let mut knobs = self.knobs();
        let latency = knobs.latency.get(path).copied().unwrap_or(knobs.default_latency);
        let fault = match knobs.faults.get_mut(path) {
            Some(Fault::Unavailable(0)) | None => None,
            Some(Fault::Unavailable(n)) => {
                *n -= 1;
                Some(Fault::Unavailable(*n + 1))
            }
            Some(f) => Some(*f),
        };
        Plan { latency, fault }
    }

    fn enter(self: &Arc<Self>) -> InFlight {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        InFlight(self.clone())
    }
}

/// One request in flight; leaving (even by cancellation) lowers the gauge.
struct InFlight(Arc<Shared>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Settings for a [`Bookstore`]; start it with [`Builder::start`].
#[derive(Debug, Clone)]
pub struct Builder {
    seed: u64,
    books: usize,
    per_page: usize,
    latency: Duration,
    port: u16,
}

impl Default for Builder {
    fn default() -> Self {
        Builder { seed: 1, books: 100, per_page: 20, latency: Duration::ZERO, port: 0 }
    }
}

impl Builder {
    /// The seed the catalogue is generated from (default 1).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// How many books the catalogue has (default 100).
    pub fn books(mut self, books: usize) -> Self {
        self.books = books;
        self
    }

    /// How many books each catalogue page lists (default 20).
    pub fn per_page(mut self, per_page: usize) -> Self {
        self.per_page = per_page.max(1);
        self
    }

    /// How long every request waits before it is answered (default none); see
    /// [`Bookstore::set_latency`] for one path.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// The port to listen on, on 127.0.0.1 (default 0: the OS picks a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Binds the port and starts the server on its own thread.
    pub fn try_start(self) -> std::io::Result<Bookstore> {
        let listener = TcpListener::bind(("127.0.0.1", self.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            books: catalogue::generate(self.seed, self.books),
            per_page: self.per_page,
            hits: Mutex::default(),
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            knobs: Mutex::new(Knobs { default_latency: self.latency, ..Knobs::default() }),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let for_server = shared.clone();
        let thread = std::thread::Builder::new().name("bookstore".into()).spawn(move || {
            // Dropping the runtime afterwards cancels every connection still open.
            runtime.block_on(server::serve(listener, for_server, stopped));
        })?;
        Ok(Bookstore { addr, shared, stop: Some(stop), thread: Some(thread) })
    }

    /// Like [`Builder::try_start`], but panics if the port cannot be bound.
    pub fn start(self) -> Bookstore {
        self.try_start().expect("the bookstore could not start")
    }
}

/// A running mock bookstore. Dropping it stops the server and closes every connection.
pub struct Bookstore {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Bookstore {
    /// Settings for a new bookstore.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// A bookstore with the default settings: 100 books, 20 a page, seed 1, a free port.
    pub fn start() -> Bookstore {
        Builder::default().start()
    }

    /// The address it listens on (127.0.0.1 and the port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The full URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The path of catalogue page `n` (1-based): `/catalogue/page-{n}.html`.
    pub fn page_path(n: usize) -> String {
        catalogue::page_path(n)
    }

    /// The full URL of catalogue page `n`.
    pub fn page_url(&self, n: usize) -> String {
        self.url(&catalogue::page_path(n))
    }

    /// The whole catalogue, in catalogue order (page 1 first).
    pub fn books(&self) -> &[Book] {
        &self.shared.books
    }

    /// How many catalogue pages there are.
    pub fn page_count(&self) -> usize {
        self.shared.pages()
    }

    /// The books listed on catalogue page `n` (1-based); empty past the last page.
    pub fn page_books(&self, n: usize) -> &[Book] {
        if n == 0 { &[] } else { self.shared.page_books(n) }
    }

    /// The body the server sends with a 200 for `path`, or `None` if `path` is a 404.
    pub fn body(&self, path: &str) -> Option<String> {
        self.shared.body(path)
    }

    /// How many requests for `path` (without its query string) have arrived, answered or not.
    pub fn hits(&self, path: &str) -> u64 {
        self.shared.hit_table().get(path).copied().unwrap_or(0)
    }

    /// Every path requested so far, with its count.
    pub fn hits_by_path(&self) -> BTreeMap<String, u64> {
        self.shared.hit_table().iter().map(|(p, n)| (p.clone(), *n)).collect()
    }

    /// How many requests have arrived in all.
    pub fn total_hits(&self) -> u64 {
        self.shared.hit_table().values().sum()
    }

    /// Requests arrived and not yet answered (or abandoned by their client).
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::SeqCst)
    }

    /// The most requests that were ever in flight at once.
    pub fn peak_in_flight(&self) -> usize {
        self.shared.peak.load(Ordering::SeqCst)
    }

    /// Forgets the request counts and sets the high-water mark to what is in flight now.
    pub fn reset_counters(&self) {
        self.shared.hit_table().clear();
        self.shared.peak.store(self.in_flight(), Ordering::SeqCst);
    }

    /// Waits up to `timeout` for no request to be in flight; true if that happened.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        while self.in_flight() > 0 {
            if Instant::now() >= end {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        true
    }

    /// Every request for `path` waits `latency` before it is answered (or fails).
    pub fn set_latency(&self, path: &str, latency: Duration) {
        self.shared.knobs().latency.insert(path.to_string(), latency);
    }

    /// The latency of every path without one of its own.
    pub fn set_default_latency(&self, latency: Duration) {
        self.shared.knobs().default_latency = latency;
    }

    /// The next `times` requests for `path` are answered `503 Service Unavailable`.
    pub fn fail_next(&self, path: &str, times: u32) {
        self.shared.knobs().faults.insert(path.to_string(), Fault::Unavailable(times));
    }

    /// Requests for `path` are never answered: the server holds them until the client hangs
    /// up or the server stops. They count as in flight meanwhile.
    pub fn hang(&self, path: &str) {
        self.shared.knobs().faults.insert(path.to_string(), Fault::Hang);
    }

    /// Requests for `path` get their connection closed without any response.
    pub fn close_connection(&self, path: &str) {
        self.shared.knobs().faults.insert(path.to_string(), Fault::Close);
    }

    /// `path` answers normally again (its latency stays).
    pub fn clear_fault(&self, path: &str) {
        self.shared.knobs().faults.remove(path);
    }
}

impl Drop for Bookstore {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for Bookstore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bookstore")
            .field("addr", &self.addr)
            .field("books", &self.shared.books.len())
            .field("pages", &self.page_count())
            .finish()
    }
}
