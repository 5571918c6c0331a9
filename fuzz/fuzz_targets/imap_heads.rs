//! Any bytes as the FETCH answers of a summary fetch: cutting them into responses gives the
//! same responses whether the bytes come whole or in two pieces (cut where the first byte
//! says), and reading each response as a summary or a search answer (plain or ESEARCH, whose
//! ranges never write out more numbers than the bound), or any bytes as an INTERNALDATE,
//! never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::proto::imap::heads::{
    MAX_ESEARCH_NUMBERS, Responses, internal_date, is_esearch, is_fetch, is_search, parse_esearch,
    parse_head, parse_search,
};

fn cut(pieces: &[&[u8]]) -> (Vec<Vec<u8>>, bool, Vec<u8>) {
    let mut r = Responses::default();
    let mut out = Vec::new();
    let mut ok = true;
    for p in pieces {
        if r.push(p, 1 << 16, |resp| out.push(resp.to_vec())).is_err() {
            ok = false;
            break;
        }
    }
    (out, ok, r.into_rest())
}

fuzz_target!(|input: &[u8]| {
    let Some((&at, data)) = input.split_first() else {
        return;
    };
    let at = usize::from(at).min(data.len());
    let (whole, ok, rest) = cut(&[data]);
    let (split, split_ok, split_rest) = cut(&[&data[..at], &data[at..]]);
    if ok && split_ok {
        assert_eq!(whole, split);
        assert_eq!(rest, split_rest);
        let joined: Vec<u8> = whole.iter().flatten().chain(rest.iter()).copied().collect();
        assert_eq!(joined, data, "nothing lost or added");
    }
    for response in &whole {
        if is_fetch(response) {
            let _ = parse_head(response);
        } else if is_search(response) {
            let _ = parse_search(response);
        } else if is_esearch(response)
            && let Ok(numbers) = parse_esearch(response, 0)
        {
            assert!(numbers.len() <= MAX_ESEARCH_NUMBERS);
        }
    }
    let _ = parse_head(data);
    let _ = internal_date(data);
});
