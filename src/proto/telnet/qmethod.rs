//! Option negotiation by the Q method of RFC 1143: each option has a state on each side, and a
//! request queued behind one in flight, so two ends that keep changing their minds never send
//! each other DO/WILL for ever.

/// Where one side of one option stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Q {
    #[default]
    No,
    Yes,
    /// We asked to disable it and wait for the answer.
    WantNo,
    /// We asked to enable it and wait for the answer.
    WantYes,
}

/// A side of an option: its state and whether the opposite request is queued behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Side {
    pub state: Q,
    pub opposite_queued: bool,
}

/// What the engine must send for one option, as a verb for that side: for our side `true`
/// means WILL and `false` WONT; for the other side `true` means DO and `false` DONT.
pub type Reply = Option<bool>;

impl Side {
    pub fn enabled(self) -> bool {
        self.state == Q::Yes
    }

    /// The other end announced the option on (WILL for his side, DO for ours). `accept` is
    /// whether we want it on. Returns what to send, and whether the option became enabled.
    pub fn on_enable(&mut self, accept: bool) -> (Reply, bool) {
        match (self.state, self.opposite_queued) {
            (Q::No, _) if accept => {
                self.state = Q::Yes;
                (Some(true), true)
            }
            (Q::No, _) => (Some(false), false),
            (Q::Yes, _) => (None, false),
            // Our "no" was answered with "yes": the RFC calls it an error; take it as no.
            (Q::WantNo, false) => {
                self.state = Q::No;
                (None, false)
            }
            (Q::WantNo, true) => {
                self.state = Q::Yes;
                self.opposite_queued = false;
                (None, true)
            }
            (Q::WantYes, false) => {
                self.state = Q::Yes;
                (None, true)
            }
            (Q::WantYes, true) => {
                self.state = Q::WantNo;
                self.opposite_queued = false;
                (Some(false), false)
            }
        }
    }

    /// The other end announced the option off (WONT for his side, DONT for ours). Returns
    /// what to send, and whether the option went from enabled to disabled.
    pub fn on_disable(&mut self) -> (Reply, bool) {
        match (self.state, self.opposite_queued) {
            (Q::No, _) => (None, false),
            (Q::Yes, _) => {
                self.state = Q::No;
                (Some(false), true)
            }
            (Q::WantNo, true) => {
                self.state = Q::WantYes;
                self.opposite_queued = false;
                (Some(true), false)
            }
            // Our request answered (no), or our yes refused: off, and nothing queued.
            (Q::WantNo | Q::WantYes, _) => {
                self.state = Q::No;
                self.opposite_queued = false;
                (None, false)
            }
        }
    }

    /// We want the option on. Returns what to send (nothing when it is on or already asked).
    pub fn ask_enable(&mut self) -> Reply {
        match (self.state, self.opposite_queued) {
            (Q::No, _) => {
                self.state = Q::WantYes;
                Some(true)
            }
            (Q::WantNo, false) => {
                self.opposite_queued = true;
                None
            }
            (Q::WantYes, true) => {
                self.opposite_queued = false;
                None
            }
            _ => None,
        }
    }

    /// We want the option off.
    pub fn ask_disable(&mut self) -> Reply {
        match (self.state, self.opposite_queued) {
            (Q::Yes, _) => {
                self.state = Q::WantNo;
                Some(false)
            }
            (Q::WantYes, false) => {
                self.opposite_queued = true;
                None
            }
            (Q::WantNo, true) => {
                self.opposite_queued = false;
                None
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_are_answered_once_and_refusals_are_final() {
        let mut s = Side::default();
        assert_eq!(s.on_enable(true), (Some(true), true));
        // Asked again: already on, nothing to say (no loop).
        assert_eq!(s.on_enable(true), (None, false));
        assert_eq!(s.on_disable(), (Some(false), true));
        assert_eq!(s.on_disable(), (None, false));
        let mut refused = Side::default();
        assert_eq!(refused.on_enable(false), (Some(false), false));
        assert_eq!(refused.state, Q::No);
    }

    #[test]
    fn our_own_requests_wait_for_their_answer() {
        let mut s = Side::default();
        assert_eq!(s.ask_enable(), Some(true));
        assert_eq!(s.ask_enable(), None, "asked once only");
        // Changing our mind while waiting queues the opposite, sent after the answer.
        assert_eq!(s.ask_disable(), None);
        assert!(s.opposite_queued);
        assert_eq!(s.on_enable(true), (Some(false), false));
        assert_eq!(s.state, Q::WantNo);
        assert_eq!(s.on_disable(), (None, false));
        assert_eq!(s.state, Q::No);
        // A refusal of our request ends it.
        assert_eq!(s.ask_enable(), Some(true));
        assert_eq!(s.on_disable(), (None, false));
        assert_eq!(s.state, Q::No);
    }
}
