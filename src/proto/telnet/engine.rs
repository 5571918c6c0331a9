//! The Telnet protocol engine (RFC 854/855), without I/O: bytes from the server go in, and
//! out come the data for the screen, events (a prompt mark, the charset agreed on) and the
//! bytes to send back. It keeps its place between calls, so a command split across reads
//! (even byte by byte) is understood as if it came whole.

use super::qmethod::{Q, Reply, Side};

/// Interpret As Command, and the commands that follow it.
pub mod cmd {
    pub const SE: u8 = 240;
    pub const NOP: u8 = 241;
    pub const GA: u8 = 249;
    pub const SB: u8 = 250;
    pub const WILL: u8 = 251;
    pub const WONT: u8 = 252;
    pub const DO: u8 = 253;
    pub const DONT: u8 = 254;
    pub const IAC: u8 = 255;
    pub const EOR: u8 = 239;
}

/// The options this engine knows.
pub mod opt {
    pub const BINARY: u8 = 0;
    pub const ECHO: u8 = 1;
    pub const SGA: u8 = 3;
    pub const TTYPE: u8 = 24;
    pub const EOR: u8 = 25;
    pub const NAWS: u8 = 31;
    pub const NEW_ENVIRON: u8 = 39;
    pub const CHARSET: u8 = 42;
}

use cmd::{DO, DONT, IAC, SB, SE, WILL, WONT};

/// The longest subnegotiation kept; a longer one is dropped (and said so in the inspector).
pub const MAX_SUBNEGOTIATION: usize = 4096;

/// The terminal types offered, in order; the last is sent again when asked once more, which
/// tells the server the list is at its end (RFC 1091).
pub const TERMINAL_TYPES: [&str; 3] = ["ANSI", "XTERM-256COLOR", "VT100"];

/// What the session tells the server about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelnetConfig {
    /// Window size in characters, for NAWS.
    pub cols: u16,
    pub rows: u16,
    /// The user name offered through NEW-ENVIRON (USER), if any.
    pub user: Option<String>,
    /// Charsets offered and accepted through CHARSET, best first.
    pub charsets: Vec<String>,
}

impl Default for TelnetConfig {
    fn default() -> Self {
        TelnetConfig {
            cols: 80,
            rows: 24,
            user: None,
            charsets: vec!["UTF-8".into(), "ISO-8859-1".into(), "IBM437".into()],
        }
    }
}

/// Something the screen or the session must know besides the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TelnetEvent {
    /// Bytes for the terminal.
    Data(Vec<u8>),
    /// The server marked the end of a prompt (IAC GA or IAC EOR).
    Prompt,
    /// The server now echoes what we type, or stopped doing so.
    RemoteEcho(bool),
    /// Both ends agreed on this charset (RFC 2066).
    Charset(String),
}

/// A subnegotiation as the inspector shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subnegotiation {
    pub option: u8,
    pub data: Vec<u8>,
    /// It was longer than [`MAX_SUBNEGOTIATION`] and was cut there and ignored.
    pub truncated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parse {
    Data,
    /// After IAC.
    Iac,
    /// After IAC and a verb (WILL, WONT, DO, DONT).
    Verb(u8),
    /// Inside SB, collecting.
    Sub,
    /// Inside SB, after IAC.
    SubIac,
    /// After CR in data, outside binary mode: a NUL that follows is dropped.
    Cr,
}

/// The engine.
pub struct Telnet {
    config: TelnetConfig,
    /// Our side of each option (WILL/WONT from us).
    us: [Side; 256],
    /// The server's side (DO/DONT from us).
    him: [Side; 256],
    parse: Parse,
    sub: Vec<u8>,
    sub_truncated: bool,
    last_sub: Option<Subnegotiation>,
    ttype_next: usize,
    outgoing: Vec<u8>,
    /// A charset request of ours is waiting for its answer.
    charset_requested: bool,
    charset: Option<String>,
    /// Options either side has spoken of, for the inspector.
    mentioned: [bool; 256],
}

/// One option as the negotiation inspector shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionState {
    pub option: u8,
    /// Our side (WILL/WONT).
    pub local: Q,
    /// The server's side (DO/DONT from us).
    pub remote: Q,
}

/// The name of option `o` as the RFCs and IANA's list give it.
pub fn option_name(o: u8) -> String {
    let name = match o {
        0 => "BINARY",
        1 => "ECHO",
        3 => "SUPPRESS-GO-AHEAD",
        5 => "STATUS",
        6 => "TIMING-MARK",
        24 => "TERMINAL-TYPE",
        25 => "END-OF-RECORD",
        31 => "NAWS",
        32 => "TERMINAL-SPEED",
        33 => "TOGGLE-FLOW-CONTROL",
        34 => "LINEMODE",
        35 => "X-DISPLAY-LOCATION",
        36 => "OLD-ENVIRON",
        37 => "AUTHENTICATION",
        38 => "ENCRYPT",
        39 => "NEW-ENVIRON",
        42 => "CHARSET",
        46 => "START-TLS",
        69 => "MSDP",
        70 => "MSSP",
        85 => "COMPRESS",
        86 => "COMPRESS2",
        91 => "MXP",
        201 => "GMCP",
        _ => return format!("option {o}"),
    };
    name.to_string()
}

/// Whether we agree to enable option `o` on our side when asked.
fn we_will(o: u8) -> bool {
    matches!(
        o,
        opt::BINARY | opt::SGA | opt::TTYPE | opt::NAWS | opt::NEW_ENVIRON | opt::CHARSET
    )
}

/// Whether we agree that the server enables option `o` on its side.
fn he_may(o: u8) -> bool {
    matches!(
        o,
        opt::BINARY | opt::ECHO | opt::SGA | opt::EOR | opt::CHARSET
    )
}

impl Telnet {
    pub fn new(config: TelnetConfig) -> Telnet {
        Telnet {
            config,
            us: [Side::default(); 256],
            him: [Side::default(); 256],
            parse: Parse::Data,
            sub: Vec::new(),
            sub_truncated: false,
            last_sub: None,
            ttype_next: 0,
            outgoing: Vec::new(),
            charset_requested: false,
            charset: None,
            mentioned: [false; 256],
        }
    }

    /// Every option either side has spoken of, with where each side stands.
    pub fn options(&self) -> Vec<OptionState> {
        (0..=255u8)
            .filter(|&o| self.mentioned[usize::from(o)])
            .map(|o| OptionState {
                option: o,
                local: self.us[usize::from(o)].state,
                remote: self.him[usize::from(o)].state,
            })
            .collect()
    }

    /// Our side of option `o`, for the negotiation inspector.
    pub fn local(&self, o: u8) -> Side {
        self.us[usize::from(o)]
    }

    /// The server's side of option `o`.
    pub fn remote(&self, o: u8) -> Side {
        self.him[usize::from(o)]
    }

    pub fn last_subnegotiation(&self) -> Option<&Subnegotiation> {
        self.last_sub.as_ref()
    }

    /// The charset agreed on through CHARSET, if any.
    pub fn charset(&self) -> Option<&str> {
        self.charset.as_deref()
    }

    /// True while the server echoes what we type (else the terminal echoes locally).
    pub fn remote_echo(&self) -> bool {
        self.him[usize::from(opt::ECHO)].enabled()
    }

    /// The bytes to send to the server now.
    pub fn take_outgoing(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.outgoing)
    }

    /// Queues data typed by the user, with IAC doubled; outside binary mode a bare CR (the
    /// Enter key) goes as CR NUL, as RFC 854 asks, so the host sees one line end.
    pub fn send_data(&mut self, data: &[u8]) {
        let binary = self.us[usize::from(opt::BINARY)].enabled();
        for (i, &b) in data.iter().enumerate() {
            self.outgoing.push(b);
            if b == IAC {
                self.outgoing.push(IAC);
            } else if b == b'\r' && !binary && data.get(i + 1) != Some(&b'\n') {
                self.outgoing.push(0);
            }
        }
    }

    /// The window changed size: the server hears of it at once when NAWS is on.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.config.cols = cols;
        self.config.rows = rows;
        if self.us[usize::from(opt::NAWS)].enabled() {
            self.send_naws();
        }
    }

    /// Asks to enable one of our options (as a client offering NAWS would).
    pub fn offer(&mut self, o: u8) {
        let reply = self.us[usize::from(o)].ask_enable();
        self.send_local(o, reply);
    }

    /// Asks the server to enable one of its options (DO SGA, DO ECHO).
    pub fn request(&mut self, o: u8) {
        let reply = self.him[usize::from(o)].ask_enable();
        self.send_remote(o, reply);
    }

    fn send_local(&mut self, o: u8, reply: Reply) {
        self.mentioned[usize::from(o)] = true;
        if let Some(on) = reply {
            self.outgoing.extend([IAC, if on { WILL } else { WONT }, o]);
        }
    }

    fn send_remote(&mut self, o: u8, reply: Reply) {
        self.mentioned[usize::from(o)] = true;
        if let Some(on) = reply {
            self.outgoing.extend([IAC, if on { DO } else { DONT }, o]);
        }
    }

    fn send_sub(&mut self, o: u8, body: &[u8]) {
        self.outgoing.extend([IAC, SB, o]);
        for &b in body {
            self.outgoing.push(b);
            if b == IAC {
                self.outgoing.push(IAC);
            }
        }
        self.outgoing.extend([IAC, SE]);
    }

    fn send_naws(&mut self) {
        let [c1, c0] = self.config.cols.to_be_bytes();
        let [r1, r0] = self.config.rows.to_be_bytes();
        self.send_sub(opt::NAWS, &[c1, c0, r1, r0]);
    }

    /// Takes bytes from the server; events for the screen and the session go to `events`.
    pub fn receive(&mut self, input: &[u8], events: &mut Vec<TelnetEvent>) {
        let mut data = Vec::with_capacity(input.len());
        let mut i = 0;
        while i < input.len() {
            // Plain data up to the next IAC or CR is taken as it is, in one copy.
            if self.parse == Parse::Data {
                let run = input[i..]
                    .iter()
                    .position(|&b| b == IAC || b == b'\r')
                    .unwrap_or(input.len() - i);
                data.extend_from_slice(&input[i..i + run]);
                i += run;
                if i == input.len() {
                    break;
                }
            }
            let b = input[i];
            i += 1;
            match self.parse {
                Parse::Data | Parse::Cr => {
                    // Looked up per byte: BINARY may change in the middle of a read.
                    let binary = self.him[usize::from(opt::BINARY)].enabled();
                    let after_cr = self.parse == Parse::Cr;
                    self.parse = Parse::Data;
                    if b == IAC {
                        self.parse = Parse::Iac;
                    } else if after_cr && b == 0 && !binary {
                        // CR NUL is a bare carriage return (RFC 854).
                    } else {
                        data.push(b);
                        if b == b'\r' && !binary {
                            self.parse = Parse::Cr;
                        }
                    }
                }
                Parse::Iac => {
                    self.parse = Parse::Data;
                    match b {
                        IAC => data.push(IAC),
                        WILL | WONT | DO | DONT => self.parse = Parse::Verb(b),
                        SB => {
                            self.parse = Parse::Sub;
                            self.sub.clear();
                            self.sub_truncated = false;
                        }
                        cmd::GA | cmd::EOR => {
                            flush(&mut data, events);
                            events.push(TelnetEvent::Prompt);
                        }
                        _ => {} // NOP, DM, AYT and the rest: nothing to show
                    }
                }
                Parse::Verb(verb) => {
                    self.parse = Parse::Data;
                    flush(&mut data, events);
                    self.negotiate(verb, b, events);
                }
                Parse::Sub => {
                    if b == IAC {
                        self.parse = Parse::SubIac;
                    } else {
                        self.push_sub(b);
                    }
                }
                Parse::SubIac => {
                    if b == IAC {
                        self.parse = Parse::Sub;
                        self.push_sub(IAC);
                    } else {
                        // IAC SE ends it; IAC and anything else is a broken end, taken as one.
                        self.parse = Parse::Data;
                        flush(&mut data, events);
                        self.subnegotiation(events);
                    }
                }
            }
        }
        flush(&mut data, events);
    }

    fn push_sub(&mut self, b: u8) {
        if self.sub.len() < MAX_SUBNEGOTIATION {
            self.sub.push(b);
        } else {
            self.sub_truncated = true;
        }
    }

    fn negotiate(&mut self, verb: u8, o: u8, events: &mut Vec<TelnetEvent>) {
        let i = usize::from(o);
        match verb {
            WILL => {
                let (reply, enabled) = self.him[i].on_enable(he_may(o));
                self.send_remote(o, reply);
                if enabled && o == opt::ECHO {
                    events.push(TelnetEvent::RemoteEcho(true));
                }
            }
            WONT => {
                let (reply, disabled) = self.him[i].on_disable();
                self.send_remote(o, reply);
                if disabled && o == opt::ECHO {
                    events.push(TelnetEvent::RemoteEcho(false));
                }
            }
            DO => {
                let (reply, enabled) = self.us[i].on_enable(we_will(o));
                self.send_local(o, reply);
                if enabled {
                    self.enabled_locally(o);
                }
            }
            _ => {
                let (reply, _) = self.us[i].on_disable();
                self.send_local(o, reply);
            }
        }
    }

    /// What we send as soon as one of our options is on.
    fn enabled_locally(&mut self, o: u8) {
        match o {
            opt::NAWS => self.send_naws(),
            opt::CHARSET if !self.config.charsets.is_empty() => {
                // The requester role: offer ours, best first (RFC 2066 REQUEST).
                let mut body = vec![charset::REQUEST];
                for name in &self.config.charsets {
                    body.push(b' ');
                    body.extend_from_slice(name.as_bytes());
                }
                self.charset_requested = true;
                self.send_sub(opt::CHARSET, &body);
            }
            _ => {}
        }
    }

    fn subnegotiation(&mut self, events: &mut Vec<TelnetEvent>) {
        let body = std::mem::take(&mut self.sub);
        self.last_sub = Some(Subnegotiation {
            option: body.first().copied().unwrap_or(0),
            data: body.get(1..).unwrap_or_default().to_vec(),
            truncated: self.sub_truncated,
        });
        if self.sub_truncated {
            return;
        }
        let Some((&o, rest)) = body.split_first() else {
            return;
        };
        // A subnegotiation for an option that is not on is not answered.
        match o {
            // TTYPE SEND
            opt::TTYPE if self.us[usize::from(o)].enabled() && rest.first() == Some(&1) => {
                let i = self.ttype_next.min(TERMINAL_TYPES.len() - 1);
                self.ttype_next += 1;
                let mut reply = vec![0];
                reply.extend_from_slice(TERMINAL_TYPES[i].as_bytes());
                self.send_sub(opt::TTYPE, &reply);
            }
            opt::NEW_ENVIRON
                if self.us[usize::from(o)].enabled() && rest.first() == Some(&environ::SEND) =>
            {
                let reply = environ::answer(&rest[1..], self.config.user.as_deref());
                self.send_sub(opt::NEW_ENVIRON, &reply);
            }
            opt::CHARSET
                if self.us[usize::from(o)].enabled() || self.him[usize::from(o)].enabled() =>
            {
                self.charset_subnegotiation(rest, events);
            }
            _ => {}
        }
    }

    fn charset_subnegotiation(&mut self, rest: &[u8], events: &mut Vec<TelnetEvent>) {
        match rest.split_first() {
            // The server requests: we answer, even with a request of our own outstanding (the
            // client yields to the server, RFC 2066 section 3).
            Some((&charset::REQUEST, list)) => {
                self.charset_requested = false;
                let offered = charset::parse_list(list);
                let chosen = self
                    .config
                    .charsets
                    .iter()
                    .find(|ours| offered.iter().any(|theirs| charset::same(theirs, ours)));
                match chosen {
                    Some(name) => {
                        let name = name.clone();
                        let mut body = vec![charset::ACCEPTED];
                        body.extend_from_slice(name.as_bytes());
                        self.send_sub(opt::CHARSET, &body);
                        self.charset = Some(name.clone());
                        events.push(TelnetEvent::Charset(name));
                    }
                    None => self.send_sub(opt::CHARSET, &[charset::REJECTED]),
                }
            }
            Some((&charset::ACCEPTED, name)) if self.charset_requested => {
                self.charset_requested = false;
                let name = String::from_utf8_lossy(name).trim().to_string();
                self.charset = Some(name.clone());
                events.push(TelnetEvent::Charset(name));
            }
            Some((&charset::REJECTED, _)) => self.charset_requested = false,
            _ => {}
        }
    }
}

fn flush(data: &mut Vec<u8>, events: &mut Vec<TelnetEvent>) {
    if !data.is_empty() {
        events.push(TelnetEvent::Data(std::mem::take(data)));
    }
}

/// NEW-ENVIRON (RFC 1572).
mod environ {
    pub const IS: u8 = 0;
    pub const SEND: u8 = 1;
    const VAR: u8 = 0;
    const VALUE: u8 = 1;
    const ESC: u8 = 2;
    const USERVAR: u8 = 3;

    /// The IS answer to a SEND for `asked` (a list of VAR/USERVAR names, or empty for all).
    pub fn answer(asked: &[u8], user: Option<&str>) -> Vec<u8> {
        let mut names: Vec<(u8, Vec<u8>)> = Vec::new();
        let mut current: Option<(u8, Vec<u8>)> = None;
        let mut escaped = false;
        for &b in asked {
            if escaped {
                if let Some((_, n)) = current.as_mut() {
                    n.push(b);
                }
                escaped = false;
                continue;
            }
            match b {
                VAR | USERVAR => {
                    names.extend(current.take());
                    current = Some((b, Vec::new()));
                }
                ESC => escaped = true,
                _ => {
                    if let Some((_, n)) = current.as_mut() {
                        n.push(b);
                    }
                }
            }
        }
        names.extend(current);
        let mut out = vec![IS];
        let all = names.is_empty();
        let wants_user = all || names.iter().any(|(k, n)| *k == VAR && n == b"USER");
        for (kind, name) in &names {
            if *kind == VAR && name == b"USER" {
                continue;
            }
            // Not defined here: the name alone (RFC 1572).
            out.push(*kind);
            out.extend_from_slice(name);
        }
        if wants_user {
            if let Some(user) = user {
                out.push(VAR);
                out.extend_from_slice(b"USER");
                out.push(VALUE);
                out.extend_from_slice(user.as_bytes());
            } else if !all {
                out.push(VAR);
                out.extend_from_slice(b"USER");
            }
        }
        out
    }
}

/// CHARSET (RFC 2066).
pub mod charset {
    pub const REQUEST: u8 = 1;
    pub const ACCEPTED: u8 = 2;
    pub const REJECTED: u8 = 3;

    /// The charsets of a REQUEST: the first byte is the separator (after an optional
    /// `[TTABLE]` and version byte).
    pub fn parse_list(list: &[u8]) -> Vec<String> {
        let list = match list.strip_prefix(b"[TTABLE]") {
            Some(rest) => rest.get(1..).unwrap_or_default(),
            None => list,
        };
        let Some((&sep, names)) = list.split_first() else {
            return Vec::new();
        };
        names
            .split(|b| *b == sep)
            .filter(|n| !n.is_empty())
            .map(|n| String::from_utf8_lossy(n).trim().to_string())
            .collect()
    }

    /// Whether two charset names mean the same (case, and the common aliases).
    pub fn same(a: &str, b: &str) -> bool {
        fn norm(s: &str) -> String {
            let s: String = s
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_uppercase();
            match s.as_str() {
                "UTF8" => "UTF8".into(),
                "LATIN1" | "ISO88591" | "ISOIR100" | "L1" => "ISO88591".into(),
                "CP437" | "IBM437" | "437" | "CSPC8CODEPAGE437" => "IBM437".into(),
                _ => s,
            }
        }
        norm(a) == norm(b)
    }
}
