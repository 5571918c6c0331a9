//! The screen model: `alacritty_terminal`'s `Term` and its parser, with the answers it makes
//! to the host (cursor position reports, device attributes: BBSes probe for ANSI with
//! `ESC[6n`) collected to be sent back, and what the host asks of the desktop (the clipboard,
//! a title, the bell) collected for the window to decide on.

use std::sync::{Arc, Mutex};

use alacritty_terminal::event::{Event, EventListener};
use alacritty_terminal::grid::{Dimensions as _, Scroll};
use alacritty_terminal::index::{Column, Direction, Line, Point};
use alacritty_terminal::selection::{Selection, SelectionRange, SelectionType};
use alacritty_terminal::term::cell::{Cell, Flags};
use alacritty_terminal::term::test::TermSize;
use alacritty_terminal::term::{Config, Term, TermMode};
use alacritty_terminal::vte::ansi::Processor;

use super::blink::BLINK_MARK;
use super::decode::ScreenCharset;
use super::host_text::HostText;

/// Lines kept above the screen for scrolling back.
pub const SCROLLBACK_LINES: usize = 10_000;

/// Something the host asked of the desktop through an escape sequence. None of it happens by
/// itself: the window asks the user before the clipboard is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostRequest {
    /// OSC 52: put this text on the clipboard.
    Clipboard(String),
    /// OSC 0/2: the session's title (shown on its tab).
    Title(String),
    Bell,
}

#[derive(Default)]
struct Collected {
    replies: Vec<u8>,
    requests: Vec<HostRequest>,
}

/// Collects what the terminal says back to the host and what it asks of the desktop.
#[derive(Clone, Default)]
struct Listener(Arc<Mutex<Collected>>);

/// More requests than this between two looks are dropped: a host cannot grow memory by
/// asking for the clipboard in a loop.
const MAX_REQUESTS: usize = 64;

impl EventListener for Listener {
    fn send_event(&self, event: Event) {
        let Ok(mut c) = self.0.lock() else { return };
        let request = match event {
            Event::PtyWrite(text) => {
                c.replies.extend_from_slice(text.as_bytes());
                return;
            }
            Event::ClipboardStore(_, text) => HostRequest::Clipboard(text),
            Event::Title(title) => HostRequest::Title(title),
            Event::Bell => HostRequest::Bell,
            _ => return,
        };
        if c.requests.len() < MAX_REQUESTS {
            c.requests.push(request);
        }
    }
}

/// The terminal modes the keyboard, the wheel and paste depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Modes {
    /// Arrow keys send `ESC O A` instead of `ESC [ A` (DECCKM).
    pub app_cursor: bool,
    /// The keypad sends `ESC O` codes instead of what it types (DECKPAM).
    pub app_keypad: bool,
    /// Pasted text goes between `ESC[200~` and `ESC[201~`.
    pub bracketed_paste: bool,
    /// A full-screen program (an editor, a pager) has the screen: the wheel sends arrows.
    pub alt_screen: bool,
    /// The mouse reports the host asked for, and their encoding.
    pub mouse: super::MouseTracking,
    pub mouse_encoding: super::MouseEncoding,
}

/// A terminal screen of a given size, with its scrollback and selection.
pub struct Screen {
    term: Term<Listener>,
    parser: Processor,
    listener: Listener,
    text: HostText,
    marked: Vec<u8>,
    /// Changes whenever what the screen shows may have changed.
    generation: u64,
    /// What a raw session received, for its hex view.
    pub received: super::byte_log::ByteLog,
}

impl Screen {
    pub fn new(cols: u16, rows: u16, charset: ScreenCharset) -> Screen {
        let listener = Listener::default();
        let size = TermSize::new(usize::from(cols.max(2)), usize::from(rows.max(1)));
        let config = Config {
            scrolling_history: SCROLLBACK_LINES,
            ..Config::default()
        };
        Screen {
            term: Term::new(config, &size, listener.clone()),
            parser: Processor::new(),
            listener,
            text: HostText::new(charset),
            marked: Vec::new(),
            generation: 0,
            received: super::byte_log::ByteLog::default(),
        }
    }

    /// Feeds bytes from the host.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.generation += 1;
        self.marked.clear();
        self.text.convert(bytes, &mut self.marked);
        self.parser.advance(&mut self.term, &self.marked);
    }

    /// Feeds text a [`HostText`] made elsewhere (a session converts on the thread that
    /// reads); `charset` is the one it used, shown as the screen's.
    pub fn feed_text(&mut self, text: &[u8], charset: ScreenCharset) {
        self.generation += 1;
        if self.text.charset() != charset {
            self.text.set_charset(charset);
        }
        self.parser.advance(&mut self.term, text);
    }

    /// The UTF-8 the last [`Screen::feed`] gave the model (for a text capture, which drops
    /// escape sequences, blink marks among them).
    pub fn last_text(&self) -> &[u8] {
        &self.marked
    }

    /// What the terminal must send to the host now (answers to its queries).
    pub fn take_replies(&mut self) -> Vec<u8> {
        self.listener
            .0
            .lock()
            .map(|mut c| std::mem::take(&mut c.replies))
            .unwrap_or_default()
    }

    /// What the host asked of the desktop since the last call.
    pub fn take_requests(&mut self) -> Vec<HostRequest> {
        self.listener
            .0
            .lock()
            .map(|mut c| std::mem::take(&mut c.requests))
            .unwrap_or_default()
    }

    /// A number that changes whenever what the screen shows may have changed (output, a
    /// resize, a scroll, the selection): a drawing of the same number can be shown again.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The charset in use (a detected one once `Auto` decided).
    pub fn charset(&self) -> ScreenCharset {
        self.text.charset()
    }

    pub fn set_charset(&mut self, charset: ScreenCharset) {
        self.text.set_charset(charset);
    }

    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.generation += 1;
        self.term.resize(TermSize::new(
            usize::from(cols.max(2)),
            usize::from(rows.max(1)),
        ));
    }

    pub fn modes(&self) -> Modes {
        let m = self.term.mode();
        Modes {
            app_cursor: m.contains(TermMode::APP_CURSOR),
            app_keypad: m.contains(TermMode::APP_KEYPAD),
            bracketed_paste: m.contains(TermMode::BRACKETED_PASTE),
            alt_screen: m.contains(TermMode::ALT_SCREEN),
            mouse: if m.contains(TermMode::MOUSE_MOTION) {
                super::MouseTracking::Motion
            } else if m.contains(TermMode::MOUSE_DRAG) {
                super::MouseTracking::Drags
            } else if m.contains(TermMode::MOUSE_REPORT_CLICK) {
                super::MouseTracking::Clicks
            } else {
                super::MouseTracking::Off
            },
            mouse_encoding: if m.contains(TermMode::SGR_MOUSE) {
                super::MouseEncoding::Sgr
            } else if m.contains(TermMode::UTF8_MOUSE) {
                super::MouseEncoding::Utf8
            } else {
                super::MouseEncoding::X10
            },
        }
    }

    /// Scrolls the view `lines` back into the history (negative: towards the newest).
    pub fn scroll(&mut self, lines: i32) {
        self.generation += 1;
        self.term.scroll_display(Scroll::Delta(lines));
    }

    /// Back to the newest lines (a key was pressed).
    pub fn scroll_to_bottom(&mut self) {
        self.generation += 1;
        self.term.scroll_display(Scroll::Bottom);
    }

    /// How many lines the view is scrolled back.
    pub fn scrolled_back(&self) -> usize {
        self.term.grid().display_offset()
    }

    /// Lines in the history above the screen.
    pub fn history_len(&self) -> usize {
        self.term.grid().history_size()
    }

    /// The grid point under row `row`, column `col` of the view.
    fn point(&self, row: usize, col: usize) -> Point {
        let grid = self.term.grid();
        let row = row.min(grid.screen_lines().saturating_sub(1));
        let col = col.min(grid.columns().saturating_sub(1));
        Point::new(Line(row as i32) - grid.display_offset(), Column(col))
    }

    /// Starts a selection at a cell of the view (`words`: a double click selects a word,
    /// `lines`: a triple click a line).
    pub fn select_start(&mut self, row: usize, col: usize, kind: SelectionKind) {
        self.generation += 1;
        let ty = match kind {
            SelectionKind::Cells => SelectionType::Simple,
            SelectionKind::Words => SelectionType::Semantic,
            SelectionKind::Lines => SelectionType::Lines,
        };
        let point = self.point(row, col);
        self.term.selection = Some(Selection::new(ty, point, Direction::Left));
    }

    /// Moves the selection's end to a cell of the view (the mouse was dragged there).
    pub fn select_to(&mut self, row: usize, col: usize) {
        self.generation += 1;
        let point = self.point(row, col);
        if let Some(sel) = self.term.selection.as_mut() {
            sel.update(point, Direction::Right);
        }
    }

    pub fn select_all(&mut self) {
        self.generation += 1;
        let grid = self.term.grid();
        let top = Point::new(Line(-(grid.history_size() as i32)), Column(0));
        let bottom = Point::new(
            Line(grid.screen_lines() as i32 - 1),
            Column(grid.columns() - 1),
        );
        let mut sel = Selection::new(SelectionType::Simple, top, Direction::Left);
        sel.update(bottom, Direction::Right);
        self.term.selection = Some(sel);
    }

    pub fn clear_selection(&mut self) {
        self.generation += 1;
        self.term.selection = None;
    }

    /// The selected text, lines joined with `\n` (wrapped lines joined without one).
    pub fn selected_text(&self) -> Option<String> {
        self.term
            .selection_to_string()
            .filter(|text| !text.is_empty())
    }

    /// The selection as grid points, worked out once per frame for drawing.
    pub fn selection(&self) -> Option<SelectionRange> {
        self.term.selection.as_ref()?.to_range(&self.term)
    }

    /// Whether the cell at row `row`, column `col` of the view is in `range`.
    pub fn in_selection(&self, range: &SelectionRange, row: usize, col: usize) -> bool {
        range.contains(self.point(row, col))
    }

    /// The visible cells of `row` of the view that hold a character, with their columns: the
    /// second half of a wide character is left out. The text and the widget both walk the
    /// screen this way.
    pub fn row_cells(&self, row: usize) -> impl Iterator<Item = (usize, &Cell)> {
        let grid = self.term.grid();
        let line = &grid[Line(row as i32) - grid.display_offset()];
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

    /// Row `row` of the view as text, trailing spaces trimmed.
    pub fn row_text(&self, row: usize) -> String {
        let mut text = String::new();
        for (_, cell) in self.row_cells(row) {
            text.push(cell.c);
            if let Some(extra) = cell.zerowidth() {
                text.extend(extra);
            }
        }
        text.truncate(text.trim_end().len());
        text
    }

    /// The view as text: one line per row, trailing spaces trimmed.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for row in 0..self.rows() {
            out.push_str(&self.row_text(row));
            out.push('\n');
        }
        out
    }

    /// The cursor's row and column in the view, when it is in view.
    pub fn cursor(&self) -> Option<(usize, usize)> {
        let grid = self.term.grid();
        let p = grid.cursor.point;
        let row = p.line.0 + grid.display_offset() as i32;
        (row >= 0 && (row as usize) < grid.screen_lines()).then_some((row as usize, p.column.0))
    }

    /// The model, for the widget that draws it.
    pub fn term(&self) -> &Term<impl EventListener> {
        &self.term
    }
}

/// Whether `cell` blinks (SGR 5 or 6 was on when it was written).
pub fn blinks(cell: &Cell) -> bool {
    cell.underline_color() == Some(alacritty_terminal::vte::ansi::Color::Spec(BLINK_MARK))
}

/// What a click starts to select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectionKind {
    Cells,
    Words,
    Lines,
}

/// Whether `c` is box drawing, a block or a shade: what ANSI art draws with.
pub fn is_drawing(c: char) -> bool {
    ('\u{2500}'..='\u{259f}').contains(&c)
}

/// The screen's text as a screen reader should read it: runs of box drawing and blocks (the
/// frames and shading of ANSI art) are left out, so the words inside them are read and the
/// decoration is skipped; blank rows are dropped.
pub fn readable_text(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut kept = String::new();
        let mut run = 0;
        for c in line.chars() {
            if is_drawing(c) {
                run += 1;
                continue;
            }
            if run > 0 && !kept.ends_with(' ') && !kept.is_empty() {
                kept.push(' ');
            }
            run = 0;
            kept.push(c);
        }
        let kept = kept.split_whitespace().collect::<Vec<_>>().join(" ");
        if !kept.is_empty() {
            out.push_str(&kept);
            out.push('\n');
        }
    }
    out
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
        assert_eq!(s.cursor(), Some((2, 7)));
    }

    #[test]
    fn blinking_text_is_marked_in_its_cells() {
        let mut s = Screen::new(20, 2, ScreenCharset::Utf8);
        s.feed(b"a\x1b[5mbc\x1b[25md\x1b[6me\x1b[0mf");
        let blinking: String = s
            .row_cells(0)
            .filter(|(_, c)| blinks(c))
            .map(|(_, c)| c.c)
            .collect();
        assert_eq!(blinking, "bce");
        assert_eq!(s.row_text(0), "abcdef");
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

    #[test]
    fn lines_that_scroll_off_can_be_scrolled_back_to() {
        let mut s = Screen::new(20, 3, ScreenCharset::Utf8);
        for i in 1..=10 {
            s.feed(format!("line {i}\r\n").as_bytes());
        }
        assert_eq!(s.row_text(0), "line 9");
        assert_eq!(s.history_len(), 8);
        s.scroll(3);
        assert_eq!(s.scrolled_back(), 3);
        assert_eq!(s.row_text(0), "line 6");
        assert_eq!(s.cursor(), None, "the cursor is below the view");
        s.scroll(100);
        assert_eq!(s.row_text(0), "line 1");
        s.scroll_to_bottom();
        assert_eq!(s.row_text(0), "line 9");
    }

    #[test]
    fn a_selection_across_rows_copies_its_text() {
        let mut s = Screen::new(20, 4, ScreenCharset::Utf8);
        s.feed(b"first row\r\nsecond row\r\nthird");
        s.select_start(0, 6, SelectionKind::Cells);
        s.select_to(1, 5);
        assert_eq!(s.selected_text().as_deref(), Some("row\nsecond"));
        let range = s.selection().expect("range");
        assert!(s.in_selection(&range, 1, 0));
        assert!(!s.in_selection(&range, 2, 0));
        s.select_start(2, 2, SelectionKind::Words);
        assert_eq!(s.selected_text().as_deref(), Some("third"));
        s.clear_selection();
        assert_eq!(s.selected_text(), None);
        // A selection made while scrolled back stays on its text.
        for i in 0..5 {
            s.feed(format!("\r\nmore {i}").as_bytes());
        }
        s.scroll(4);
        s.select_start(0, 0, SelectionKind::Lines);
        assert_eq!(s.selected_text(), Some(format!("{}\n", s.row_text(0))));
    }

    #[test]
    fn the_host_asks_for_the_clipboard_and_a_title_and_gets_only_a_request() {
        let mut s = Screen::new(20, 4, ScreenCharset::Utf8);
        // OSC 52 with "secret" in base64, a title, a bell.
        s.feed(b"\x1b]52;c;c2VjcmV0\x07\x1b]2;My BBS\x07\x07");
        assert_eq!(
            s.take_requests(),
            vec![
                HostRequest::Clipboard("secret".into()),
                HostRequest::Title("My BBS".into()),
                HostRequest::Bell
            ]
        );
        // A paste request (OSC 52 with ?) is never answered.
        s.feed(b"\x1b]52;c;?\x07");
        assert!(s.take_replies().is_empty());
        for _ in 0..1000 {
            s.feed(b"\x07");
        }
        assert_eq!(s.take_requests().len(), MAX_REQUESTS);
    }

    #[test]
    fn modes_follow_the_host() {
        let mut s = Screen::new(20, 4, ScreenCharset::Utf8);
        assert_eq!(s.modes(), Modes::default());
        s.feed(b"\x1b[?1h\x1b[?2004h\x1b[?1049h\x1b=");
        assert_eq!(
            s.modes(),
            Modes {
                app_cursor: true,
                app_keypad: true,
                bracketed_paste: true,
                alt_screen: true,
                ..Modes::default()
            }
        );
        s.feed(b"\x1b[?1002h\x1b[?1006h");
        assert_eq!(s.modes().mouse, crate::terminal::MouseTracking::Drags);
        assert_eq!(
            s.modes().mouse_encoding,
            crate::terminal::MouseEncoding::Sgr
        );
        s.feed(b"\x1b[?1002l");
        assert_eq!(s.modes().mouse, crate::terminal::MouseTracking::Off);
        s.feed(b"\x1b>");
        assert!(!s.modes().app_keypad, "ESC > is numeric keypad mode again");
    }

    #[test]
    fn a_screen_reader_skips_the_frames_of_ansi_art() {
        let text = "╔══════╗\n║ Main ║\n╚══════╝\n\n░▒▓ Files ▓▒░ 12 new\n";
        assert_eq!(readable_text(text), "Main\nFiles 12 new\n");
        assert_eq!(readable_text("a ─ b"), "a b\n");
    }
}
