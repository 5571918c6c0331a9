//! The engine against a scripted server: every sequence split byte by byte, refusals,
//! options asked twice, and the split-invariance property.

use super::engine::cmd::{DO, DONT, GA, IAC, SB, SE, WILL, WONT};
use super::engine::opt;
use super::*;

fn engine() -> Telnet {
    Telnet::new(TelnetConfig {
        user: Some("tester".into()),
        ..TelnetConfig::default()
    })
}

/// Feeds `input` one byte at a time; returns the events and what the engine sent.
fn byte_by_byte(t: &mut Telnet, input: &[u8]) -> (Vec<TelnetEvent>, Vec<u8>) {
    let mut events = Vec::new();
    for b in input {
        t.receive(std::slice::from_ref(b), &mut events);
    }
    (merge(events), t.take_outgoing())
}

/// Joins consecutive data events, so results compare whatever the chunking.
fn merge(events: Vec<TelnetEvent>) -> Vec<TelnetEvent> {
    let mut out: Vec<TelnetEvent> = Vec::new();
    for e in events {
        if let (TelnetEvent::Data(new), Some(TelnetEvent::Data(last))) = (&e, out.last_mut()) {
            last.extend_from_slice(new);
            continue;
        }
        out.push(e);
    }
    out
}

fn sub(o: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![IAC, SB, o];
    v.extend_from_slice(body);
    v.extend([IAC, SE]);
    v
}

#[test]
fn terminal_types_cycle_then_repeat_the_last() {
    let mut t = engine();
    let (_, out) = byte_by_byte(&mut t, &[IAC, DO, opt::TTYPE]);
    assert_eq!(out, [IAC, WILL, opt::TTYPE]);
    let mut seen = Vec::new();
    for _ in 0..4 {
        let (_, out) = byte_by_byte(&mut t, &sub(opt::TTYPE, &[1]));
        seen.push(out);
    }
    let is = |name: &str| {
        let mut body = vec![0];
        body.extend_from_slice(name.as_bytes());
        sub(opt::TTYPE, &body)
    };
    assert_eq!(
        seen,
        vec![is("ANSI"), is("XTERM-256COLOR"), is("VT100"), is("VT100")]
    );
}

#[test]
fn unknown_options_are_refused_politely_and_asking_twice_does_not_loop() {
    let mut t = engine();
    let (_, out) = byte_by_byte(&mut t, &[IAC, DO, 99, IAC, WILL, 98]);
    assert_eq!(out, [IAC, WONT, 99, IAC, DONT, 98]);
    // Asked again: refused again, once each (no state to flip, no loop).
    let (_, out) = byte_by_byte(&mut t, &[IAC, DO, 99]);
    assert_eq!(out, [IAC, WONT, 99]);
    // Accepted options are answered once; the same request again gets nothing.
    let (events, out) = byte_by_byte(
        &mut t,
        &[
            IAC,
            WILL,
            opt::ECHO,
            IAC,
            WILL,
            opt::ECHO,
            IAC,
            WILL,
            opt::SGA,
        ],
    );
    assert_eq!(out, [IAC, DO, opt::ECHO, IAC, DO, opt::SGA]);
    assert_eq!(events, vec![TelnetEvent::RemoteEcho(true)]);
    assert!(t.remote_echo());
    let (events, out) = byte_by_byte(&mut t, &[IAC, WONT, opt::ECHO]);
    assert_eq!(out, [IAC, DONT, opt::ECHO]);
    assert_eq!(events, vec![TelnetEvent::RemoteEcho(false)]);
    // A subnegotiation for an option that was refused is not answered.
    let (_, out) = byte_by_byte(&mut t, &sub(opt::TTYPE, &[1]));
    assert!(out.is_empty());
}

#[test]
fn window_size_is_sent_when_naws_is_on_and_again_on_every_resize() {
    let mut t = engine();
    let (_, out) = byte_by_byte(&mut t, &[IAC, DO, opt::NAWS]);
    let mut expected = vec![IAC, WILL, opt::NAWS];
    expected.extend(sub(opt::NAWS, &[0, 80, 0, 24]));
    assert_eq!(out, expected);
    // 255 columns: the byte is doubled inside the subnegotiation.
    t.resize(255, 50);
    assert_eq!(
        t.take_outgoing(),
        [IAC, SB, opt::NAWS, 0, IAC, IAC, 0, 50, IAC, SE]
    );
    // Before NAWS is agreed, a resize sends nothing.
    let mut fresh = engine();
    fresh.resize(100, 30);
    assert!(fresh.take_outgoing().is_empty());
}

#[test]
fn iac_in_data_is_doubled_both_ways_and_prompts_are_marked() {
    let mut t = engine();
    let (events, _) = byte_by_byte(&mut t, &[b'a', IAC, IAC, b'b', IAC, GA, b'c']);
    assert_eq!(
        events,
        vec![
            TelnetEvent::Data(vec![b'a', 255, b'b']),
            TelnetEvent::Prompt,
            TelnetEvent::Data(vec![b'c']),
        ]
    );
    t.send_data(&[1, 255, 2]);
    assert_eq!(t.take_outgoing(), [1, 255, 255, 2]);
    // Enter (a bare CR) goes as CR NUL; CR LF stays as it is.
    t.send_data(b"ls\r");
    assert_eq!(t.take_outgoing(), b"ls\r\0");
    t.send_data(b"a\r\nb");
    assert_eq!(t.take_outgoing(), b"a\r\nb");
    // Outside binary mode CR NUL is a bare CR.
    let (events, _) = byte_by_byte(&mut t, b"x\r\0y\r\n");
    assert_eq!(events, vec![TelnetEvent::Data(b"x\ry\r\n".to_vec())]);
}

#[test]
fn new_environ_offers_the_user_name() {
    let mut t = engine();
    let _ = byte_by_byte(&mut t, &[IAC, DO, opt::NEW_ENVIRON]);
    // SEND VAR "USER" USERVAR "TERMCAP"
    let mut asked = vec![1, 0];
    asked.extend_from_slice(b"USER");
    asked.push(3);
    asked.extend_from_slice(b"TERMCAP");
    let (_, out) = byte_by_byte(&mut t, &sub(opt::NEW_ENVIRON, &asked));
    let mut body = vec![0, 3];
    body.extend_from_slice(b"TERMCAP");
    body.push(0);
    body.extend_from_slice(b"USER");
    body.push(1);
    body.extend_from_slice(b"tester");
    assert_eq!(out, sub(opt::NEW_ENVIRON, &body));
}

#[test]
fn charset_is_negotiated_in_both_roles() {
    // Answerer: the server requests, we pick the first of ours it offers.
    let mut t = engine();
    let _ = byte_by_byte(&mut t, &[IAC, WILL, opt::CHARSET]);
    let (events, out) = byte_by_byte(&mut t, &sub(opt::CHARSET, b"\x01;KOI8-R;utf-8;ISO-8859-1"));
    let mut accepted = vec![2];
    accepted.extend_from_slice(b"UTF-8");
    assert_eq!(out, sub(opt::CHARSET, &accepted));
    assert_eq!(events, vec![TelnetEvent::Charset("UTF-8".into())]);
    // None in common: rejected, nothing chosen.
    let mut t = engine();
    let _ = byte_by_byte(&mut t, &[IAC, WILL, opt::CHARSET]);
    let (events, out) = byte_by_byte(&mut t, &sub(opt::CHARSET, b"\x01 KOI8-R"));
    assert_eq!(out, sub(opt::CHARSET, &[3]));
    assert!(events.is_empty());
    assert_eq!(t.charset(), None);
    // Requester: once the server says DO CHARSET we offer ours, UTF-8 first.
    let mut t = engine();
    let (_, out) = byte_by_byte(&mut t, &[IAC, DO, opt::CHARSET]);
    let mut expected = vec![IAC, WILL, opt::CHARSET];
    expected.extend(sub(opt::CHARSET, b"\x01 UTF-8 ISO-8859-1 IBM437"));
    assert_eq!(out, expected);
    let mut answer = vec![2];
    answer.extend_from_slice(b"UTF-8");
    let (events, _) = byte_by_byte(&mut t, &sub(opt::CHARSET, &answer));
    assert_eq!(events, vec![TelnetEvent::Charset("UTF-8".into())]);
}

#[test]
fn an_endless_subnegotiation_is_cut_and_ignored() {
    let mut t = engine();
    let _ = byte_by_byte(&mut t, &[IAC, DO, opt::TTYPE]);
    let mut input = vec![IAC, SB, opt::TTYPE, 1];
    input.extend(std::iter::repeat_n(b'x', 100_000));
    input.extend([IAC, SE, b'o', b'k']);
    let mut events = Vec::new();
    t.receive(&input, &mut events);
    assert_eq!(merge(events), vec![TelnetEvent::Data(b"ok".to_vec())]);
    assert!(
        t.take_outgoing().is_empty(),
        "a cut request is not answered"
    );
    let last = t.last_subnegotiation().expect("kept for the inspector");
    assert!(last.truncated);
    assert!(last.data.len() < MAX_SUBNEGOTIATION);
}

use super::engine::MAX_SUBNEGOTIATION;

/// A scripted server that asks twice, refuses ours and repeats itself: the answers are the
/// same whether the bytes come whole or one by one.
const SCRIPT: &[u8] = &[
    IAC,
    DO,
    opt::TTYPE,
    IAC,
    DO,
    opt::TTYPE,
    IAC,
    WILL,
    opt::ECHO,
    IAC,
    WILL,
    opt::SGA,
    IAC,
    DO,
    opt::NAWS,
    IAC,
    DO,
    37,
    IAC,
    WILL,
    38,
    IAC,
    SB,
    opt::TTYPE,
    1,
    IAC,
    SE,
    b'l',
    b'o',
    b'g',
    b'i',
    b'n',
    b':',
    b' ',
    IAC,
    GA,
    IAC,
    DONT,
    opt::NAWS,
    IAC,
    WONT,
    opt::ECHO,
];

#[test]
fn the_script_gets_the_same_answers_whole_or_byte_by_byte() {
    let mut whole = engine();
    let mut events = Vec::new();
    whole.receive(SCRIPT, &mut events);
    let whole_out = whole.take_outgoing();
    let mut split = engine();
    let (split_events, split_out) = byte_by_byte(&mut split, SCRIPT);
    assert_eq!(merge(events), split_events);
    assert_eq!(whole_out, split_out);
    // And what it answered: WILL TTYPE once, DO ECHO, DO SGA, WILL NAWS + size, refusals,
    // TTYPE IS ANSI, WONT NAWS, DONT ECHO.
    let mut expected = vec![IAC, WILL, opt::TTYPE, IAC, DO, opt::ECHO, IAC, DO, opt::SGA];
    expected.extend([IAC, WILL, opt::NAWS]);
    expected.extend(sub(opt::NAWS, &[0, 80, 0, 24]));
    expected.extend([IAC, WONT, 37, IAC, DONT, 38]);
    expected.extend(sub(opt::TTYPE, b"\0ANSI"));
    expected.extend([IAC, WONT, opt::NAWS, IAC, DONT, opt::ECHO]);
    assert_eq!(whole_out, expected);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// However the stream is cut into reads, the engine sees the same thing.
        #[test]
        fn chunking_never_changes_the_result(
            data in proptest::collection::vec(
                prop_oneof![
                    3 => any::<u8>(),
                    1 => Just(IAC),
                    1 => prop::sample::select(vec![DO, DONT, WILL, WONT, SB, SE]),
                    1 => prop::sample::select(vec![opt::TTYPE, opt::NAWS, opt::CHARSET, opt::NEW_ENVIRON, opt::ECHO]),
                ],
                0..400,
            ),
            cuts in proptest::collection::vec(1usize..9, 1..60),
        ) {
            let mut whole = engine();
            let mut whole_events = Vec::new();
            whole.receive(&data, &mut whole_events);
            let mut chunked = engine();
            let mut chunked_events = Vec::new();
            let mut at = 0;
            let mut i = 0;
            while at < data.len() {
                let n = cuts[i % cuts.len()].min(data.len() - at);
                chunked.receive(&data[at..at + n], &mut chunked_events);
                at += n;
                i += 1;
            }
            prop_assert_eq!(merge(whole_events), merge(chunked_events));
            prop_assert_eq!(whole.take_outgoing(), chunked.take_outgoing());
        }
    }
}

#[test]
fn the_inspector_sees_every_option_spoken_of_and_both_sides() {
    let mut t = engine();
    assert!(t.options().is_empty());
    byte_by_byte(
        &mut t,
        &[IAC, WILL, opt::ECHO, IAC, DO, opt::NAWS, IAC, DO, 99],
    );
    byte_by_byte(&mut t, &sub(opt::NAWS, &[1, 2]));
    let states = t.options();
    let of = |o: u8| states.iter().find(|s| s.option == o).cloned();
    assert_eq!(
        of(opt::ECHO).map(|s| (s.local, s.remote)),
        Some((Q::No, Q::Yes))
    );
    assert_eq!(
        of(opt::NAWS).map(|s| (s.local, s.remote)),
        Some((Q::Yes, Q::No))
    );
    assert_eq!(of(99).map(|s| (s.local, s.remote)), Some((Q::No, Q::No)));
    assert_eq!(states.len(), 3);
    assert_eq!(option_name(opt::NAWS), "NAWS");
    assert_eq!(option_name(99), "option 99");
    assert_eq!(t.last_subnegotiation().map(|s| s.option), Some(opt::NAWS));
}
