//! The multi-line data block shared by POP3 and NNTP: any content stuffed and decoded again
//! comes back with CR LF line ends and nothing else changed, and the decoder gives the same
//! content and stops at the same byte however the wire bytes are cut.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::proto::dot::{self, DotDecoder};

fn decode(chunks: &[&[u8]]) -> (Vec<u8>, usize, bool) {
    let mut d = DotDecoder::new();
    let mut out = Vec::new();
    let mut used = 0;
    for chunk in chunks {
        let fed = d.feed(chunk, &mut out);
        used += fed.used;
        if fed.done {
            return (out, used, true);
        }
    }
    (out, used, false)
}

/// `content` with every line ended by CR LF, as a decoded block gives it back.
fn crlf_lines(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < content.len() {
        match content[i] {
            b'\r' if content.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(b"\r\n");
                i += 1;
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            b => out.push(b),
        }
        i += 1;
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

fuzz_target!(|input: &[u8]| {
    let Some((&cut, content)) = input.split_first() else {
        return;
    };
    let wire = dot::stuff(content);
    let at = usize::from(cut).min(wire.len());
    let whole = decode(&[&wire]);
    assert!(whole.2, "a stuffed block always ends");
    assert_eq!(whole.1, wire.len());
    // A bare CR that is not before LF stays as it is, so compare against the same rule.
    if !content.windows(2).any(|w| w[0] == b'\r' && w[1] != b'\n') && content.last() != Some(&b'\r')
    {
        assert_eq!(whole.0, crlf_lines(content));
    }
    let split = decode(&[&wire[..at], &wire[at..]]);
    assert_eq!(whole, split);
    let bytes: Vec<&[u8]> = wire.chunks(1).collect();
    assert_eq!(whole, decode(&bytes));
});
