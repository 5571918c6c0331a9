//! Any bytes from a host into the terminal: never a panic; the same screen, answers and
//! requests whether the stream comes whole or cut where the first byte says; answers and
//! requests bounded; the text capture holds no escape sequence; the line editor takes any
//! keyboard bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::terminal::{LineEditor, Screen, ScreenCharset, TextFilter, readable_text};

fn run(chunks: &[&[u8]]) -> (String, Vec<u8>, usize, Vec<u8>) {
    let mut screen = Screen::new(40, 12, ScreenCharset::Auto);
    let mut filter = TextFilter::default();
    let mut captured = Vec::new();
    for c in chunks {
        screen.feed(c);
        captured.extend(filter.filter(screen.last_text()));
    }
    let requests = screen.take_requests().len();
    (screen.text(), screen.take_replies(), requests, captured)
}

fuzz_target!(|input: &[u8]| {
    let Some((&cut, data)) = input.split_first() else {
        return;
    };
    let at = usize::from(cut).min(data.len());
    let whole = run(&[data]);
    let split = run(&[&data[..at], &data[at..]]);
    assert_eq!(whole.0, split.0, "the screen depends on where reads end");
    assert_eq!(whole.1, split.1);
    assert!(whole.2 <= 64);
    assert!(!whole.3.contains(&0x1b), "an escape in the text capture");
    assert_eq!(whole.0.lines().count(), 12);
    let _ = readable_text(&whole.0);
    let mut editor = LineEditor::default();
    let edited = editor.input(data);
    assert!(edited.echo.len() <= 16 + data.len() * 12);
});
