//! The bookstore's own tests, with a plain blocking client (std::net) so they need no runtime.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bookstore::Bookstore;

/// GET `path`: (status, body), or `None` if the connection closed without a response.
fn get(store: &Bookstore, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(store.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    if raw.is_empty() {
        return None;
    }
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let len: usize = head.lines().find_map(|l| l.strip_prefix("Content-Length: ")).unwrap().parse().unwrap();
    assert_eq!(body.len(), len, "Content-Length matches the body");
    Some((status, body.to_string()))
}

#[test]
fn the_catalogue_comes_from_the_seed() {
    let a = Bookstore::builder().seed(3).books(45).per_page(10).start();
    let b = Bookstore::builder().seed(3).books(45).per_page(10).start();
    let c = Bookstore::builder().seed(4).books(45).per_page(10).start();
    assert_eq!(a.books(), b.books());
    assert_ne!(a.books(), c.books());
    assert_eq!(a.page_count(), 5);
    assert_eq!(a.page_books(5).len(), 5);
    let mut titles: Vec<_> = a.books().iter().map(|b| &b.title).collect();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), 45, "titles are unique");
    assert!(a.books().iter().all(|b| (1..=5).contains(&b.rating) && b.price_pence >= 1000));
}

#[test]
fn pages_list_their_books_and_the_page_count() {
    let store = Bookstore::builder().books(25).per_page(10).start();
    let (status, html) = get(&store, "/catalogue/page-2.html").unwrap();
    assert_eq!(status, 200);
    assert!(html.contains("Page 2 of 3"));
    assert_eq!(html.matches("<article class=\"product_pod\">").count(), 10);
    for book in store.page_books(2) {
        assert!(html.contains(&format!("title=\"{}\"", book.title)));
        assert!(html.contains(&book.price_text()));
    }
    assert_eq!(Some(html), store.body("/catalogue/page-2.html"));
    let last = get(&store, "/catalogue/page-3.html").unwrap().1;
    assert_eq!(last.matches("product_pod").count(), 5);
    let book = &store.books()[7];
    let (status, page) = get(&store, &book.path()).unwrap();
    assert_eq!(status, 200);
    assert!(page.contains(&format!("<h1>{}</h1>", book.title)));
    assert_eq!(get(&store, "/catalogue/page-4.html").unwrap().0, 404);
    assert_eq!(get(&store, "/catalogue/book-26.html").unwrap().0, 404);
    assert_eq!(get(&store, "/").unwrap().0, 200);
}

#[test]
fn requests_are_counted_per_path() {
    let store = Bookstore::start();
    for _ in 0..3 {
        get(&store, "/catalogue/page-1.html?x=1");
    }
    get(&store, "/nowhere");
    assert_eq!(store.hits("/catalogue/page-1.html"), 3);
    assert_eq!(store.hits("/nowhere"), 1);
    assert_eq!(store.total_hits(), 4);
    store.reset_counters();
    assert_eq!(store.total_hits(), 0);
}

#[test]
fn flaky_pages_answer_503_then_recover() {
    let store = Bookstore::start();
    let path = Bookstore::page_path(2);
    store.fail_next(&path, 2);
    assert_eq!(get(&store, &path).unwrap().0, 503);
    assert_eq!(get(&store, &path).unwrap().0, 503);
    assert_eq!(get(&store, &path).unwrap().0, 200);
    assert_eq!(store.hits(&path), 3);
}

#[test]
fn latency_and_the_in_flight_high_water_mark() {
    let store = Bookstore::builder().latency(Duration::from_millis(200)).start();
    let start = Instant::now();
    std::thread::scope(|s| {
        for n in 1..=4 {
            let store = &store;
            s.spawn(move || assert_eq!(get(store, &Bookstore::page_path(n)).unwrap().0, 200));
        }
    });
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(200), "latency holds: {took:?}");
    assert!(took < Duration::from_millis(1500), "requests overlap: {took:?}");
    assert_eq!(store.peak_in_flight(), 4);
    assert_eq!(store.in_flight(), 0);
    store.set_latency("/", Duration::ZERO);
    store.set_default_latency(Duration::ZERO);
    let start = Instant::now();
    get(&store, "/");
    assert!(start.elapsed() < Duration::from_millis(150));
}

#[test]
fn a_hanging_page_holds_until_the_client_leaves() {
    let store = Bookstore::start();
    store.hang("/slow");
    let mut s = TcpStream::connect(store.addr()).unwrap();
    s.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let mut buf = [0u8; 16];
    assert!(s.read(&mut buf).is_err(), "no answer within 300 ms");
    assert_eq!(store.in_flight(), 1);
    drop(s);
    assert!(store.wait_idle(Duration::from_secs(2)), "the abandoned request leaves the gauge");
    store.clear_fault("/slow");
    assert_eq!(get(&store, "/slow").unwrap().0, 404);
}

#[test]
fn a_closing_page_sends_nothing() {
    let store = Bookstore::start();
    store.close_connection("/catalogue/page-1.html");
    assert_eq!(get(&store, "/catalogue/page-1.html"), None);
    assert_eq!(store.hits("/catalogue/page-1.html"), 1);
}

#[test]
fn dropping_the_store_stops_it_even_with_a_request_hanging() {
    let store = Bookstore::start();
    store.hang("/h");
    let addr = store.addr();
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /h HTTP/1.1\r\n\r\n").unwrap();
    assert!(store.body("/").is_some());
    while store.in_flight() == 0 {
        std::thread::sleep(Duration::from_millis(1));
    }
    let start = Instant::now();
    drop(store);
    assert!(start.elapsed() < Duration::from_secs(1));
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut rest = Vec::new();
    assert_eq!(s.read_to_end(&mut rest).unwrap_or(0), 0, "the hanging connection is closed");
    assert!(TcpStream::connect(addr).is_err(), "nobody listens any more");
}

#[test]
fn a_request_is_out_of_flight_once_its_response_arrives() {
    let store = Bookstore::start();
    for n in 0..200 {
        assert_eq!(get(&store, &Bookstore::page_path(n % 3 + 1)).unwrap().0, 200);
        assert_eq!(store.in_flight(), 0, "request {n} still counted after its response arrived");
    }
}
