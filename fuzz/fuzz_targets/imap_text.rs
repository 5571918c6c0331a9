//! Any text as an IMAP folder name or command argument: modified UTF-7 decoding never panics and
//! what it decodes encodes back to a name that decodes the same; quoting never lets a line break
//! through; the framing guard never panics and decides the same whether the bytes come whole or
//! cut where the first byte says.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::proto::imap::guard::Framing;
use portolan::proto::imap::{quote, url, utf7};

fuzz_target!(|input: &[u8]| {
    let Some((&cut, data)) = input.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(data);
    if let Ok(name) = utf7::decode(&text) {
        let again = utf7::encode(&name);
        assert_eq!(utf7::decode(&again).as_deref(), Ok(name.as_str()));
    }
    let wire = utf7::encode(&text);
    assert!(wire.bytes().all(|b| (0x20..=0x7e).contains(&b)));
    assert_eq!(utf7::decode(&wire).as_deref(), Ok(text.as_ref()));
    match quote::quoted(&text) {
        Ok(q) => assert!(!q.contains(['\r', '\n', '\0'])),
        Err(_) => assert!(text.contains(['\r', '\n', '\0'])),
    }
    let _ = url::parse_path(&text);
    let at = usize::from(cut).min(data.len());
    let mut whole = Framing::default();
    let a = whole.scan(data, 4096, 1 << 16);
    let mut split = Framing::default();
    let b = split
        .scan(&data[..at], 4096, 1 << 16)
        .and_then(|()| split.scan(&data[at..], 4096, 1 << 16));
    assert_eq!(a.is_ok(), b.is_ok());
});
