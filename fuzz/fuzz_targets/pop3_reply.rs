//! Any bytes as a POP3 reply: the status, CAPA, LIST and UIDL parsers never panic, and the
//! multi-line decoder gives the same content and stops at the same byte whether the bytes come
//! whole or cut where the first byte says.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::proto::pop3::reply::{self, Capabilities, DotDecoder};

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
        assert_eq!(fed.used, chunk.len(), "a chunk is used whole until the end");
    }
    (out, used, false)
}

fuzz_target!(|input: &[u8]| {
    let Some((&cut, data)) = input.split_first() else {
        return;
    };
    let _ = reply::parse_status(data);
    let _ = reply::parse_listing(data);
    let _ = reply::parse_uidl(data);
    let lines = reply::lines_of(data);
    let caps = Capabilities::parse(&lines);
    let _ = caps.report();
    let whole = decode(&[data]);
    let at = usize::from(cut).min(data.len());
    let split = decode(&[&data[..at], &data[at..]]);
    let bytes: Vec<&[u8]> = data.chunks(1).collect();
    let one_by_one = decode(&bytes);
    // What is held back at a line start is at most three bytes, so the output never runs ahead.
    assert_eq!(whole.2, split.2);
    if whole.2 {
        assert_eq!(whole, split);
        assert_eq!(whole, one_by_one);
    }
    assert!(whole.0.len() <= data.len());
});
