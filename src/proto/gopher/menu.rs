//! Gopher menus: tolerant parsing, so a broken menu is shown as well as it can be.

use crate::link::{GopherLink, Link, Server};

/// Longest display string kept from one menu line; the rest is cut and flagged.
pub const MAX_DISPLAY: usize = 4096;

/// What kind of thing an item type points at, which decides how the browser opens it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemClass {
    Text,
    Menu,
    Search,
    /// `3`: an error message from the server, shown, not followed.
    Error,
    /// `i`: a line of text in the menu.
    Info,
    /// Images shown inline: `g`, `I`, `p`.
    Image,
    /// Saved to the download folder: `4 5 6 9 d s ;` and the like.
    Binary,
    /// `h`: HTML, or a `URL:` link to any scheme.
    Html,
    /// `8` and `T`: handed to the Terminal panel.
    Telnet,
    /// `2` (CSO) and `+` (mirror) and any type we do not know: shown, followed as text.
    Other,
}

/// How an item type behaves.
pub fn class_of(item_type: u8) -> ItemClass {
    match item_type {
        b'0' => ItemClass::Text,
        b'1' => ItemClass::Menu,
        b'7' => ItemClass::Search,
        b'3' => ItemClass::Error,
        b'i' => ItemClass::Info,
        b'g' | b'I' | b'p' => ItemClass::Image,
        b'4' | b'5' | b'6' | b'9' | b'd' | b's' | b';' | b'c' | b'M' | b'P' => ItemClass::Binary,
        b'h' => ItemClass::Html,
        b'8' | b'T' => ItemClass::Telnet,
        _ => ItemClass::Other,
    }
}

/// A short name for an item type, for tooltips and `ls` output.
pub fn type_name(item_type: u8) -> &'static str {
    match item_type {
        b'0' => "text",
        b'1' => "menu",
        b'2' => "CSO phone book",
        b'3' => "error",
        b'4' => "BinHex file",
        b'5' => "DOS binary",
        b'6' => "uuencoded file",
        b'7' => "search",
        b'8' => "telnet",
        b'9' => "binary",
        b'+' => "mirror server",
        b'g' => "GIF image",
        b'I' => "image",
        b'T' => "tn3270",
        b'h' => "HTML / link",
        b'i' => "info",
        b's' => "sound",
        b'd' => "document",
        b'p' => "PNG image",
        b';' => "video",
        b'c' => "calendar",
        b'M' => "MIME message",
        _ => "unknown type",
    }
}

/// What was wrong with a menu line that was still shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// No TAB-separated selector/host/port: shown as text.
    MissingFields,
    /// The port field was not a number from 1 to 65535: the menu's own port is used.
    BadPort,
    /// The line was longer than [`MAX_DISPLAY`] and was cut.
    TooLong,
}

impl Problem {
    pub fn describe(self) -> &'static str {
        match self {
            Problem::MissingFields => "malformed line: missing selector, host or port",
            Problem::BadPort => "malformed line: bad port, using this server's",
            Problem::TooLong => "over-long line, cut",
        }
    }
}

/// One menu line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuItem {
    pub item_type: u8,
    pub display: Vec<u8>,
    pub selector: Vec<u8>,
    pub host: String,
    pub port: u16,
    pub problem: Option<Problem>,
}

impl MenuItem {
    pub fn class(&self) -> ItemClass {
        if self.problem == Some(Problem::MissingFields) {
            ItemClass::Info
        } else {
            class_of(self.item_type)
        }
    }

    /// Where the item leads, or `None` for info and error lines.
    pub fn link(&self) -> Option<Link> {
        match self.class() {
            ItemClass::Info | ItemClass::Error => None,
            ItemClass::Html => {
                if let Some(url) = self.selector.strip_prefix(b"URL:") {
                    return Link::parse(&String::from_utf8_lossy(url)).ok();
                }
                Some(self.gopher_link())
            }
            ItemClass::Telnet => {
                let host = if self.host.contains(':') {
                    format!("[{}]", self.host)
                } else {
                    self.host.clone()
                };
                Link::parse(&format!("telnet://{host}:{}", self.port)).ok()
            }
            _ => Some(self.gopher_link()),
        }
    }

    fn gopher_link(&self) -> Link {
        Link::Gopher(GopherLink {
            server: Server {
                host: self.host.clone(),
                port: self.port,
                user: None,
                password: None,
                auth: None,
            },
            item_type: self.item_type,
            selector: self.selector.clone(),
            search: None,
        })
    }
}

/// A parsed menu: its items, and whether the server ended it properly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Menu {
    pub items: Vec<MenuItem>,
    /// False when the final `.` line was missing (the connection may have closed early).
    pub terminated: bool,
}

impl Menu {
    pub fn problem_count(&self) -> usize {
        self.items.iter().filter(|i| i.problem.is_some()).count()
    }
}

/// Parses a menu. `default_host`/`default_port` fill in empty or broken host and port fields.
/// Never fails: every line becomes an item, marked with a [`Problem`] if it was malformed.
pub fn parse_menu(data: &[u8], default_host: &str, default_port: u16) -> Menu {
    let mut menu = Menu::default();
    let mut lines = data.split(|b| *b == b'\n').peekable();
    while let Some(raw) = lines.next() {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line == b"." {
            menu.terminated = true;
            break;
        }
        if line.is_empty() {
            // A trailing newline yields one empty piece; inner empty lines are blank info lines.
            if lines.peek().is_none() {
                break;
            }
            menu.items
                .push(info_item(Vec::new(), default_host, default_port, None));
            continue;
        }
        menu.items
            .push(parse_line(line, default_host, default_port));
    }
    menu
}

fn info_item(display: Vec<u8>, host: &str, port: u16, problem: Option<Problem>) -> MenuItem {
    MenuItem {
        item_type: b'i',
        display,
        selector: Vec::new(),
        host: host.to_string(),
        port,
        problem,
    }
}

fn parse_line(line: &[u8], default_host: &str, default_port: u16) -> MenuItem {
    let mut too_long = false;
    let item_type = line[0];
    let mut fields = line[1..].split(|b| *b == b'\t');
    let mut display = fields.next().unwrap_or_default().to_vec();
    if display.len() > MAX_DISPLAY {
        display.truncate(MAX_DISPLAY);
        too_long = true;
    }
    let selector = fields.next();
    let host = fields.next();
    let port = fields.next();
    let Some(selector) = selector else {
        if item_type == b'i' || item_type == b'3' {
            let mut item = info_item(display, default_host, default_port, None);
            item.item_type = item_type;
            item.problem = too_long.then_some(Problem::TooLong);
            return item;
        }
        // No tabs at all: show the whole line as text.
        let mut whole = line.to_vec();
        whole.truncate(MAX_DISPLAY);
        return info_item(
            whole,
            default_host,
            default_port,
            Some(Problem::MissingFields),
        );
    };
    let mut problem = too_long.then_some(Problem::TooLong);
    let host = host
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .filter(|h| !h.is_empty() && h.len() <= 255 && !h.contains(char::is_whitespace))
        .unwrap_or_else(|| default_host.to_string());
    let port = match port.map(|p| String::from_utf8_lossy(p).trim().to_string()) {
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => n,
            _ if matches!(item_type, b'i' | b'3') => default_port,
            _ => {
                problem.get_or_insert(Problem::BadPort);
                default_port
            }
        },
        None if matches!(item_type, b'i' | b'3') => default_port,
        None => {
            problem.get_or_insert(Problem::BadPort);
            default_port
        }
    };
    let mut selector = selector.to_vec();
    selector.truncate(MAX_DISPLAY);
    MenuItem {
        item_type,
        display,
        selector,
        host,
        port,
        problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const GOPHERNICUS_LIKE: &[u8] = b"iLoopback gopher test server\tfake\t(NULL)\t0\r\n\
0About this server\t/about.txt\tlocalhost\t7070\r\n\
1Files directory\t/files\tlocalhost\t7070\r\n\
7Search the word list\t/cgi-bin/search\tlocalhost\t7070\r\n\
hHTTP link\tURL:http://127.0.0.1:8080/\tlocalhost\t7070\r\n\
8A BBS\t\tbbs.example\t23\r\n\
.\r\n";

    #[test]
    fn parses_a_well_formed_menu() {
        let menu = parse_menu(GOPHERNICUS_LIKE, "localhost", 7070);
        assert!(menu.terminated);
        assert_eq!(menu.items.len(), 6);
        assert_eq!(menu.problem_count(), 0);
        assert_eq!(menu.items[0].class(), ItemClass::Info);
        assert_eq!(menu.items[0].link(), None);
        assert_eq!(menu.items[1].display, b"About this server");
        assert_eq!(
            menu.items[1].link().map(|l| l.to_string()).as_deref(),
            Some("gopher://localhost:7070/0/about.txt")
        );
        assert_eq!(menu.items[3].class(), ItemClass::Search);
        assert_eq!(
            menu.items[4].link().map(|l| l.to_string()).as_deref(),
            Some("http://127.0.0.1:8080/")
        );
        assert_eq!(
            menu.items[5].link().map(|l| l.to_string()).as_deref(),
            Some("telnet://bbs.example")
        );
    }

    #[test]
    fn missing_tabs_become_text_lines() {
        let menu = parse_menu(b"just some text\r\n0ok\t/x\th\t70\r\n.\r\n", "d", 70);
        assert_eq!(menu.items.len(), 2);
        assert_eq!(menu.items[0].problem, Some(Problem::MissingFields));
        assert_eq!(menu.items[0].display, b"just some text");
        assert_eq!(menu.items[0].link(), None);
        assert_eq!(menu.items[1].problem, None);
    }

    #[test]
    fn bad_port_uses_the_menu_server() {
        let menu = parse_menu(
            b"1Dir\t/d\tother\t99999\n1Dir2\t/d\tother\tabc\n1Dir3\t/d\n",
            "home",
            7070,
        );
        assert!(!menu.terminated);
        for item in &menu.items {
            assert_eq!(item.problem, Some(Problem::BadPort));
            assert_eq!(item.port, 7070);
        }
        assert_eq!(menu.items[0].host, "other");
        assert_eq!(menu.items[2].host, "home");
    }

    #[test]
    fn over_long_lines_are_cut_not_dropped() {
        let mut line = vec![b'0'];
        line.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
        line.extend_from_slice(b"\t/sel\th\t70\r\n.\r\n");
        let menu = parse_menu(&line, "h", 70);
        assert_eq!(menu.items.len(), 1);
        assert_eq!(menu.items[0].display.len(), MAX_DISPLAY);
        assert_eq!(menu.items[0].problem, Some(Problem::TooLong));
        assert_eq!(menu.items[0].selector, b"/sel");
    }

    #[test]
    fn missing_terminator_is_reported() {
        let menu = parse_menu(b"0a\t/a\th\t70\r\n", "h", 70);
        assert!(!menu.terminated);
        assert_eq!(menu.items.len(), 1);
    }

    #[test]
    fn unknown_types_are_kept() {
        let menu = parse_menu(b"Xweird\t/w\th\t70\r\n;video\t/v\th\t70\r\n", "h", 70);
        assert_eq!(menu.items[0].class(), ItemClass::Other);
        assert_eq!(menu.items[0].item_type, b'X');
        assert_eq!(menu.items[1].class(), ItemClass::Binary);
    }

    #[test]
    fn garbage_never_panics_and_keeps_lines() {
        let garbage: Vec<u8> = (0u8..=255).cycle().take(5000).collect();
        let menu = parse_menu(&garbage, "h", 70);
        assert!(!menu.items.is_empty());
    }

    #[test]
    fn text_after_terminator_is_ignored() {
        let menu = parse_menu(b"0a\t/a\th\t70\r\n.\r\n0b\t/b\th\t70\r\n", "h", 70);
        assert!(menu.terminated);
        assert_eq!(menu.items.len(), 1);
    }

    proptest! {
        #[test]
        fn any_bytes_parse(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let menu = parse_menu(&data, "h", 70);
            for item in &menu.items {
                prop_assert!(item.display.len() <= MAX_DISPLAY);
                prop_assert!(item.port > 0);
                let _ = item.link();
            }
        }

        #[test]
        fn well_formed_lines_round_trip(
            ty in proptest::sample::select(b"0179gIhs".to_vec()),
            display in "[^\t\r\n]{0,40}",
            selector in "/[^\t\r\n]{0,40}",
            port in 1u16..,
        ) {
            let line = format!("{}{display}\t{selector}\texample.org\t{port}\r\n.\r\n", ty as char);
            let menu = parse_menu(line.as_bytes(), "h", 70);
            prop_assert_eq!(menu.items.len(), 1);
            let item = &menu.items[0];
            prop_assert_eq!(item.item_type, ty);
            prop_assert_eq!(&item.display, display.as_bytes());
            prop_assert_eq!(&item.selector, selector.as_bytes());
            prop_assert_eq!(item.port, port);
            prop_assert_eq!(item.problem, None);
        }
    }
}
