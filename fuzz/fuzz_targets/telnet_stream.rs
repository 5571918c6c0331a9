//! Any bytes from a Telnet server: never a panic, answers bounded, and the same events and
//! answers whether the stream comes whole or cut where the first byte says.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::proto::telnet::{Telnet, TelnetConfig, TelnetEvent};

fn data_of(events: Vec<TelnetEvent>) -> (Vec<u8>, Vec<TelnetEvent>) {
    let mut bytes = Vec::new();
    let mut other = Vec::new();
    for e in events {
        match e {
            TelnetEvent::Data(d) => bytes.extend(d),
            e => other.push(e),
        }
    }
    (bytes, other)
}

fuzz_target!(|input: &[u8]| {
    let Some((&cut, data)) = input.split_first() else {
        return;
    };
    let mut whole = Telnet::new(TelnetConfig::default());
    let mut events = Vec::new();
    whole.receive(data, &mut events);
    let whole_out = whole.take_outgoing();
    // Every answer is far smaller than what provoked it could make it.
    assert!(whole_out.len() <= 64 + data.len() * 16);
    let mut split = Telnet::new(TelnetConfig::default());
    let mut split_events = Vec::new();
    let at = usize::from(cut).min(data.len());
    split.receive(&data[..at], &mut split_events);
    split.receive(&data[at..], &mut split_events);
    assert_eq!(data_of(events), data_of(split_events));
    assert_eq!(whole_out, split.take_outgoing());
});
