//! The catalogue: books generated from a seed, and the HTML pages that show them.

use std::collections::HashSet;

/// One book for sale.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Book {
    /// Its number, 1-based, in catalogue order; its page is `/catalogue/book-{id}.html`.
    pub id: usize,
    pub title: String,
    /// The price in pence: `5177` is shown as `£51.77`.
    pub price_pence: u32,
    /// Star rating, 1 to 5, shown as `star-rating One` .. `star-rating Five`.
    pub rating: u8,
    /// Copies in stock, shown on the book's own page.
    pub stock: u32,
}

impl Book {
    /// The path of the book's own page.
    pub fn path(&self) -> String {
        format!("/catalogue/book-{}.html", self.id)
    }

    /// The price as the site shows it, e.g. `£51.77`.
    pub fn price_text(&self) -> String {
        format!("£{}.{:02}", self.price_pence / 100, self.price_pence % 100)
    }
}

/// The words a star rating is written with, indexed by `rating - 1`.
pub const RATING_WORDS: [&str; 5] = ["One", "Two", "Three", "Four", "Five"];

const FIRST: [&str; 24] = [
    "Silent",
    "Crimson",
    "Hidden",
    "Last",
    "Golden",
    "Broken",
    "Distant",
    "Quiet",
    "Burning",
    "Frozen",
    "Wandering",
    "Secret",
    "Endless",
    "Paper",
    "Iron",
    "Velvet",
    "Hollow",
    "Midnight",
    "Salt",
    "Glass",
    "Northern",
    "Little",
    "Wild",
    "Borrowed",
];
const SECOND: [&str; 24] = [
    "River",
    "Garden",
    "Lantern",
    "Orchard",
    "Harbour",
    "Engine",
    "Library",
    "Forest",
    "Letters",
    "Kingdom",
    "Compass",
    "Mirror",
    "Meadow",
    "Tide",
    "Clockwork",
    "Sparrow",
    "Island",
    "Winter",
    "Bridge",
    "Atlas",
    "Archive",
    "Signal",
    "Quarry",
    "Lighthouse",
];
const TAIL: [&str; 8] = ["", "", "", " of Dust", " in Autumn", " and Other Stories", " at Dawn", " Returns"];

/// splitmix64: small, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `count` books generated from `seed`: the same seed always gives the same books.
/// Titles are unique.
pub fn generate(seed: u64, count: usize) -> Vec<Book> {
    let mut rng = Rng(seed);
    let mut seen = HashSet::new();
    let mut books = Vec::with_capacity(count);
    while books.len() < count {
        let mut title = format!(
            "The {} {}{}",
            FIRST[rng.below(24) as usize],
            SECOND[rng.below(24) as usize],
            TAIL[rng.below(8) as usize]
        );
        if seen.contains(&title) {
            title = format!("{title}, Volume {}", books.len() + 2);
        }
        if !seen.insert(title.clone()) {
            continue;
        }
        books.push(Book {
            id: books.len() + 1,
            title,
            price_pence: 1000 + rng.below(5000) as u32,
            rating: 1 + rng.below(5) as u8,
            stock: 1 + rng.below(30) as u32,
        });
    }
    books
}

/// The path of catalogue page `n` (1-based).
pub fn page_path(n: usize) -> String {
    format!("/catalogue/page-{n}.html")
}

/// Catalogue page `n` of `pages`, listing `books`.
pub fn page_html(n: usize, pages: usize, books: &[Book]) -> String {
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>All books | Page {n} of {pages} | Books to Scrape (mock)</title>\n</head>\n<body>\n\
         <h1>All books</h1>\n<p class=\"results\"><strong>{}</strong> books on this page.</p>\n\
         <ol class=\"row\">\n",
        books.len()
    );
    for b in books {
        html.push_str(&format!(
            "<li>\n<article class=\"product_pod\">\n\
             <h3><a href=\"book-{id}.html\" title=\"{title}\">{title}</a></h3>\n\
             <p class=\"star-rating {stars}\"></p>\n\
             <div class=\"product_price\">\n<p class=\"price_color\">{price}</p>\n\
             <p class=\"instock availability\">In stock</p>\n</div>\n</article>\n</li>\n",
            id = b.id,
            title = b.title,
            stars = RATING_WORDS[b.rating as usize - 1],
            price = b.price_text(),
        ));
    }
    html.push_str("</ol>\n<ul class=\"pager\">\n");
    if n > 1 {
        html.push_str(&format!("<li class=\"previous\"><a href=\"page-{}.html\">previous</a></li>\n", n - 1));
    }
    html.push_str(&format!("<li class=\"current\">Page {n} of {pages}</li>\n"));
    if n < pages {
        html.push_str(&format!("<li class=\"next\"><a href=\"page-{}.html\">next</a></li>\n", n + 1));
    }
    html.push_str("</ul>\n</body>\n</html>\n");
    html
}

/// The book's own page.
pub fn book_html(b: &Book) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title} | Books to Scrape (mock)</title>\n</head>\n<body>\n\
         <article class=\"product_page\">\n<h1>{title}</h1>\n\
         <p class=\"price_color\">{price}</p>\n\
         <p class=\"instock availability\">In stock ({stock} available)</p>\n\
         <p class=\"star-rating {stars}\"></p>\n\
         <p class=\"description\">Book {id} of the mock catalogue.</p>\n</article>\n\
         <p><a href=\"page-1.html\">Back to the catalogue</a></p>\n</body>\n</html>\n",
        title = b.title,
        price = b.price_text(),
        stock = b.stock,
        stars = RATING_WORDS[b.rating as usize - 1],
        id = b.id,
    )
}

/// The home page: a link to the catalogue.
pub fn index_html(pages: usize, books: usize) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Books to Scrape (mock)</title>\n</head>\n<body>\n<h1>Books to Scrape (mock)</h1>\n\
         <p>{books} books on {pages} pages: <a href=\"/catalogue/page-1.html\">start browsing</a>.</p>\n\
         </body>\n</html>\n"
    )
}
