//! The panels and the one trait the shell holds them by.
//!
//! The shell knows no panel by name: it draws the one chosen in the switcher, hands each its
//! own events, routes links by [`PanelKind`], and carries out the [`ShellAction`]s they ask for.
//! Adding a panel is a new module here and one line in [`all`].

pub mod browser;
pub mod compose;
pub mod files;
pub mod mail;
pub mod news;
pub mod terminal;

use std::any::Any;

use crate::link::{Link, PanelKind};
use crate::proto::tls::CertRejection;
use crate::secrets::Secrets;
use crate::settings::Settings;
use crate::store::Store;
use crate::ui::app::AppEvent;
use crate::workers::job_spec::JobSpec;
use crate::workers::{EventSink, MappedSink, Services};

/// Every panel, in the switcher's order.
pub fn all(ctx: &PanelContext) -> anyhow::Result<Vec<Box<dyn Panel>>> {
    Ok(vec![
        Box::new(files::FilesPanel::from_context(ctx)?),
        Box::new(mail::MailPanel::from_context(ctx)?),
        Box::new(news::NewsPanel::from_context(ctx)?),
        Box::new(browser::BrowserPanel::from_context(ctx)?),
        Box::new(terminal::TerminalPanel::from_context(ctx)?),
    ])
}

/// Lets tests and benchmarks reach one panel's own type behind `dyn Panel`; every panel has
/// it through the blanket impl below.
pub trait AsAny: Any {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// What a panel is to the shell.
pub trait Panel: AsAny {
    fn kind(&self) -> PanelKind;

    /// Shown before the title in the switcher.
    fn icon(&self) -> &'static str;

    /// The status bar's text while this panel is shown.
    fn status(&self) -> String;

    fn ui(&mut self, ui: &mut egui::Ui);

    /// One of this panel's own events, sent by its workers or its store and secrets replies.
    fn apply(&mut self, event: PanelEvent);

    /// Opens a link the router gave this panel (its scheme is this panel's).
    fn open(&mut self, link: &Link);

    /// Opens the source of what `link` shows (`view-source:` before it); `false` when this
    /// panel has no source view.
    fn open_source(&mut self, _link: &Link) -> bool {
        false
    }

    /// Tries again what met an untrusted certificate, once the user trusted it; `retry` is
    /// what the panel put in [`ShellAction::Untrusted`].
    fn retry(&mut self, retry: u64);

    /// What the panel asked the shell to do since the last call.
    fn take_actions(&mut self) -> Vec<ShellAction>;

    /// A transfer finished: a panel showing folders may list them again.
    fn job_finished(&mut self) {}

    /// The user saved the Settings window.
    fn settings_changed(&mut self, _settings: &Settings) {}

    /// The window is closing, or eframe asks for state to be kept.
    fn save_state(&self) {}

    /// Draws the panel's windows of their own (native windows where the platform has them,
    /// else windows inside the main one). Called every frame for every panel, shown or not,
    /// since such a window closes when a frame does not draw it.
    fn windows(&mut self, _ctx: &egui::Context) {}
}

/// An event on its way to the panel of `kind`; only that panel knows its type.
pub struct PanelEvent(Box<dyn Any + Send>);

impl PanelEvent {
    pub fn new<E: Any + Send>(event: E) -> PanelEvent {
        PanelEvent(Box::new(event))
    }

    /// The event as the panel's own type; `None` if it was sent with another.
    pub fn take<E: Any>(self) -> Option<E> {
        self.0.downcast().ok().map(|b| *b)
    }

    /// The event as type `E`, or itself back for another try.
    pub fn take_or<E: Any>(self) -> Result<E, PanelEvent> {
        self.0.downcast().map(|b| *b).map_err(PanelEvent)
    }
}

impl std::fmt::Debug for PanelEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PanelEvent(..)")
    }
}

/// A message for the corner of the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Toast {
    Info(String),
    Success(String),
    Warning(String),
    Error(String),
}

/// What a panel asks of the shell: the things no panel can do alone.
pub enum ShellAction {
    Toast(Toast),
    /// A transfer for the Activity list, which can pause, resume and retry it.
    StartJob(JobSpec),
    /// A certificate the user must decide on; [`Panel::retry`] gets `retry` after a trust.
    Untrusted {
        retry: u64,
        rejection: Box<CertRejection>,
    },
    /// A link, to whichever panel owns its scheme.
    Open(Link),
    /// Bring this panel to the front.
    Show,
    /// Change the settings and save them (a charset chosen for a host, say).
    UpdateSettings(Box<dyn FnOnce(&mut Settings) + Send>),
    /// Hand another panel an event of a type it takes (files to attach, for Mail), and bring
    /// it to the front.
    Deliver(PanelKind, PanelEvent),
    /// Open the HTTP request window at this URL (a page's "Send as HTTP request…").
    HttpRequest(String),
}

impl std::fmt::Debug for ShellAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShellAction::Toast(t) => write!(f, "Toast({t:?})"),
            ShellAction::StartJob(j) => write!(f, "StartJob({})", j.title()),
            ShellAction::Untrusted { retry, rejection } => {
                write!(f, "Untrusted({retry}, {})", rejection.host)
            }
            ShellAction::Open(l) => write!(f, "Open({l})"),
            ShellAction::HttpRequest(u) => write!(f, "HttpRequest({u})"),
            ShellAction::Show => f.write_str("Show"),
            ShellAction::UpdateSettings(_) => f.write_str("UpdateSettings"),
            ShellAction::Deliver(to, _) => write!(f, "Deliver({to:?})"),
        }
    }
}

/// What a panel is built from: the shared services, the store and secrets, the settings at
/// start, and a way to send itself events.
pub struct PanelContext {
    pub services: Services,
    pub store: Store,
    pub secrets: Secrets,
    pub settings: Settings,
    /// Reopen what was open at the last exit (the Browser's tabs).
    pub restore_session: bool,
    pub(crate) events: EventSink<AppEvent>,
}

impl PanelContext {
    /// A sink for the events of the panel of `kind`, sharing the app's channel.
    pub fn sink<E: Any + Send>(&self, kind: PanelKind) -> MappedSink<E, AppEvent> {
        self.events
            .map(move |e: E| AppEvent::Panel(kind, PanelEvent::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panel_event_comes_back_only_as_its_own_type() {
        assert_eq!(PanelEvent::new(7u32).take::<u32>(), Some(7));
        assert_eq!(PanelEvent::new("text").take::<u32>(), None);
    }
}
