//! The screen model: `alacritty_terminal`'s `Term` and its parser, with the answers it makes
//! to the host (cursor position reports, device attributes: BBSes probe for ANSI with
//! `ESC[6n`) collected to be sent back.

use std::sync::{Arc, Mutex};

use alacritty_terminal::event::{Event, EventListener};
use alacritty_terminal::grid::Dimensions as _;
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::term::cell::{Cell, Flags};
use alacritty_terminal::term::test::TermSize;
use alacritty_terminal::term::{Config, Term};
use alacritty_terminal::vte::ansi::Processor;

use super::decode::{Decoder, ScreenCharset};

/// Collects what the terminal says back to the host. Clipboard and title requests are not
/// acted on: escape sequences never write the clipboard unless the user allows it.
#[derive(Clone, Default)]
struct Replies(Arc<Mutex<Vec<u8>>>);

impl EventListener for Replies {
    fn send_event(&self, event: Event) {
        if let Event::PtyWrite(text) = event
            && let Ok(mut out) = self.0.lock()
        {
            out.extend_from_slice(text.as_bytes());
        }
    }
}

/// A terminal screen of a given size.
pub struct Screen {
    term: Term<Replies>,
    parser: Processor,
    replies: Replies,
    decoder: Decoder,
    utf8: Vec<u8>,
}

impl Screen {
    pub fn new(cols: u16, rows: u16, charset: ScreenCharset) -> Screen {
        let replies = Replies::default();
        let size = TermSize::new(usize::from(cols.max(2)), usize::from(rows.max(1)));
        Screen {
            term: Term::new(Config::default(), &size, replies.clone()),
            parser: Processor::new(),
            replies,
            decoder: Decoder::new(charset),
            utf8: Vec::new(),
        }
    }

    /// Feeds bytes from the host.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.utf8.clear();
        self.decoder.decode(bytes, &mut self.utf8);
        self.parser.advance(&mut self.term, &self.utf8);
    }

    /// What the terminal must send to the host now (answers to its queries).
    pub fn take_replies(&mut self) -> Vec<u8> {
        self.replies
            .0
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default()
    }

    /// The charset in use (a detected one once `Auto` decided).
    pub fn charset(&self) -> ScreenCharset {
        self.decoder.charset()
    }

    pub fn set_charset(&mut self, charset: ScreenCharset) {
        self.decoder.set_charset(charset);
    }

    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.term.resize(TermSize::new(
            usize::from(cols.max(2)),
            usize::from(rows.max(1)),
        ));
    }

    /// The visible cells of `row` that hold a character, with their columns: the second half
    /// of a wide character is left out. The text and the widget both walk the screen this way.
    pub fn row_cells(&self, row: usize) -> impl Iterator<Item = (usize, &Cell)> {
        let grid = self.term.grid();
        let line = &grid[Line(row as i32)];
        (0..grid.columns())
            .map(move |col| (col, &line[Column(col)]))
            .filter(|(_, cell)| {
                !cell
                    .flags
                    .intersects(Flags::WIDE_CHAR_SPACER | Flags::LEADING_WIDE_CHAR_SPACER)
            })
    }

    /// Rows on the screen.
    pub fn rows(&self) -> usize {
        self.term.grid().screen_lines()
    }

    /// The visible screen as text: one line per row, trailing spaces trimmed.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for row in 0..self.rows() {
            let mut text = String::new();
            for (_, cell) in self.row_cells(row) {
                text.push(cell.c);
                if let Some(extra) = cell.zerowidth() {
                    text.extend(extra);
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        }
        out
    }

    /// The model, for the widget that draws it.
    pub fn term(&self) -> &Term<impl EventListener> {
        &self.term
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_colours_and_cursor_moves_end_up_on_the_screen() {
        let mut s = Screen::new(20, 4, ScreenCharset::Auto);
        s.feed(b"\x1b[2J\x1b[H\x1b[1;31mred\x1b[0m plain\r\n");
        s.feed(b"\x1b[3;5H\xc9\xcd\xbb"); // CP437 box corners at row 3, column 5
        let text = s.text();
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(rows[0], "red plain");
        assert_eq!(rows[2], "    ╔═╗");
        let cell = &s.term().grid()[Line(0)][Column(0)];
        assert!(cell.flags.contains(Flags::BOLD));
        assert_eq!(s.charset(), ScreenCharset::Cp437);
    }

    #[test]
    fn a_cursor_position_query_is_answered() {
        let mut s = Screen::new(80, 24, ScreenCharset::Utf8);
        s.feed(b"\x1b[5;10H\x1b[6n");
        assert_eq!(s.take_replies(), b"\x1b[5;10R");
        assert!(s.take_replies().is_empty());
    }

    #[test]
    fn wide_characters_take_two_cells_and_print_once() {
        let mut s = Screen::new(10, 2, ScreenCharset::Utf8);
        s.feed("日本".as_bytes());
        assert_eq!(s.text().lines().next(), Some("日本"));
    }
}
