//! The Browser panel: tabs of gopher menus, text, images and simple web pages.
//!
//! View state only. It sends commands to one worker per tab, applies the events the app hands
//! it, and reports what the rest of the app must do (downloads, history, bookmarks, trust
//! prompts) as [`BrowserAction`]s.

use std::collections::BTreeMap;

use egui::{Key, KeyboardShortcut, Modifiers, RichText};
use tokio::sync::mpsc::UnboundedSender;

use crate::charset::Charset;
use crate::link::{GopherLink, Link, PanelKind};
use crate::proto::gopher::{self, ItemClass};
use crate::proto::tls::CertRejection;
use crate::store::Store;
use crate::store::{Bookmark, HistoryEntry};
use crate::ui::app::AppEvent;
use crate::ui::panels::{Panel, PanelContext, PanelEvent, ShellAction, Toast};
use crate::ui::widgets::source_view::SourceView;
use crate::ui::widgets::{LinkClick, document_view, menu_view};
use crate::workers::browser::{self, BrowserCommand, BrowserEvent, Page, PageContent, RequestId};
use crate::workers::job_spec::JobSpec;
use crate::workers::transfer::{Source, name_from_link};
use crate::workers::{MappedSink, Services};

/// What reaches the panel: a tab's worker events and the store's answers.
#[derive(Debug)]
pub enum BrowserMessage {
    Tab(TabId, BrowserEvent),
    Bookmarks(Result<Vec<Bookmark>, String>),
    /// A write that answers nothing but may fail.
    Saved(Result<(), String>),
}

/// How many history entries are kept in memory for completion and the history page.
const HISTORY_IN_MEMORY: usize = 5000;

/// Identifies a tab across the app's event channel.
pub type TabId = u64;

/// What the panel's views ask for; [`Panel::take_actions`] turns each into store requests or
/// shell actions.
#[derive(Debug, Clone)]
pub enum BrowserAction {
    Download {
        link: Link,
        name: Option<String>,
    },
    Visited {
        url: String,
        title: String,
    },
    AddBookmark {
        folder: String,
        title: String,
        url: String,
    },
    UpdateBookmark(Bookmark),
    DeleteBookmark(i64),
    ClearHistory,
    Untrusted {
        tab: TabId,
        rejection: Box<CertRejection>,
    },
    CharsetChosen {
        host: String,
        charset: Option<Charset>,
    },
    /// A link for another panel: the router decides where it goes.
    OtherPanel(Link),
    /// The page's address, to the HTTP request window.
    HttpRequest(String),
    Error(String),
}

/// Well-known gopher servers offered on the start page to a new user.
const PLACES: [(&str, &str); 3] = [
    (
        "Floodgap: news, search (Veronica-2) and a directory",
        "gopher://gopher.floodgap.com/",
    ),
    (
        "Gopherpedia: Wikipedia over gopher",
        "gopher://gopherpedia.com/",
    ),
    ("Bitreich: a gopher community", "gopher://bitreich.org/"),
];

/// The setting that keeps the open tabs between runs.
const SESSION_TABS: &str = "session.tabs";

/// Built-in pages.
const START: &str = "about:start";
const BOOKMARKS: &str = "about:bookmarks";
/// Before an address, opens the page's source instead of the page.
const VIEW_SOURCE: &str = "view-source:";
const HISTORY: &str = "about:history";

#[derive(Debug, Clone)]
struct Loading {
    req: RequestId,
    url: String,
    bytes: u64,
    total: Option<u64>,
}

/// One tab.
pub struct Tab {
    pub id: TabId,
    worker: UnboundedSender<BrowserCommand>,
    back: Vec<String>,
    forward: Vec<String>,
    /// The URL of what is shown.
    pub current_url: String,
    /// What the URL bar holds (may be edited).
    pub url_text: String,
    pub page: Option<Page>,
    loading: Option<Loading>,
    pub error: Option<String>,
    last_req: RequestId,
    search_query: String,
    menu_state: menu_view::MenuViewState,
    doc_state: document_view::DocumentViewState,
    columns: usize,
    /// The charset picked by the user for this page, if any.
    charset_choice: Option<Charset>,
    /// Set while the worker re-renders the shown page (new width or charset), so the result
    /// is not taken for a new visit.
    rerender_req: Option<RequestId>,
    /// View source (Ctrl+U) in place of the page.
    pub source_view: Option<SourceView>,
    /// The navigation in flight came from a `view-source:` address.
    want_source: bool,
}

impl Tab {
    pub fn title(&self) -> String {
        if self.loading.is_some() && self.page.is_none() {
            return "Loading…".into();
        }
        match &self.page {
            Some(p) if !p.title.is_empty() => p.title.clone(),
            _ => match self.current_url.as_str() {
                START => "Start".into(),
                BOOKMARKS => "Bookmarks".into(),
                HISTORY => "History".into(),
                "" => "New tab".into(),
                u => u.to_string(),
            },
        }
    }

    pub fn is_loading(&self) -> bool {
        self.loading.is_some()
    }
}

#[derive(Default)]
struct FindBar {
    open: bool,
    query: String,
    matches: Vec<usize>,
    current: usize,
    focus: bool,
}

#[derive(Clone)]
struct BookmarkDraft {
    id: Option<i64>,
    folder: String,
    title: String,
    url: String,
}

/// The panel.
pub struct BrowserPanel {
    services: Services,
    events: MappedSink<BrowserMessage, AppEvent>,
    store: Store,
    pub tabs: Vec<Tab>,
    pub active: usize,
    next_tab: TabId,
    next_req: RequestId,
    pub bookmarks: Vec<Bookmark>,
    pub history: Vec<HistoryEntry>,
    find: FindBar,
    bookmark_draft: Option<BookmarkDraft>,
    page_info_open: bool,
    robots: BTreeMap<String, String>,
    focus_url_bar: bool,
    suggestion: Option<usize>,
    pub start_page: String,
    pub charset_overrides: BTreeMap<String, Charset>,
    /// Where downloads started from a page go (Settings).
    pub download_dir: std::path::PathBuf,
    actions: Vec<BrowserAction>,
}

impl BrowserPanel {
    pub fn new(
        services: Services,
        store: Store,
        events: MappedSink<BrowserMessage, AppEvent>,
    ) -> BrowserPanel {
        BrowserPanel {
            services,
            events,
            store,
            tabs: Vec::new(),
            active: 0,
            next_tab: 1,
            next_req: 1,
            bookmarks: Vec::new(),
            history: Vec::new(),
            find: FindBar::default(),
            bookmark_draft: None,
            page_info_open: false,
            robots: BTreeMap::new(),
            focus_url_bar: false,
            suggestion: None,
            start_page: START.into(),
            charset_overrides: BTreeMap::new(),
            download_dir: crate::settings::default_download_dir(),
            actions: Vec::new(),
        }
    }

    /// The panel as the app starts it: bookmarks, history and settings from the store, and
    /// the tabs of the last run when asked for.
    pub fn from_context(ctx: &PanelContext) -> anyhow::Result<BrowserPanel> {
        let mut panel = BrowserPanel::new(
            ctx.services.clone(),
            ctx.store.clone(),
            ctx.sink(PanelKind::Browser),
        );
        panel.bookmarks = ctx.store.load_bookmarks()?;
        panel.history = ctx.store.load_history(HISTORY_IN_MEMORY)?;
        panel.settings_changed(&ctx.settings);
        panel.charset_overrides = ctx.settings.charset_overrides.clone();
        if ctx.restore_session {
            let tabs: Vec<String> = ctx
                .store
                .load_setting(SESSION_TABS)?
                .and_then(|v| serde_json::from_str(&v).ok())
                .unwrap_or_default();
            for url in &tabs {
                panel.open_tab(Some(url));
            }
        }
        if panel.tabs.is_empty() {
            panel.open_tab(None);
        }
        Ok(panel)
    }

    /// What the panel's views asked for, carried out: store requests here, the rest for the
    /// shell.
    fn carry_out(&mut self, action: BrowserAction) -> Option<ShellAction> {
        let bookmarks = |events: MappedSink<BrowserMessage, AppEvent>| {
            move |r: Result<Vec<Bookmark>, crate::store::StoreError>| {
                events.send(BrowserMessage::Bookmarks(r.map_err(|e| e.to_string())));
            }
        };
        match action {
            BrowserAction::Download { link, name } => {
                let name = name.unwrap_or_else(|| name_from_link(&link));
                return Some(ShellAction::StartJob(JobSpec::Download {
                    source: Source::Link(link),
                    folder: self.download_dir.clone(),
                    name,
                }));
            }
            BrowserAction::Visited { url, title } => {
                let h = &mut self.history;
                let visits = h
                    .iter()
                    .position(|e| e.url == url)
                    .map_or(1, |i| h.remove(i).visits + 1);
                h.insert(
                    0,
                    HistoryEntry {
                        url: url.clone(),
                        title: title.clone(),
                        visits,
                        last_visit: 0,
                    },
                );
                h.truncate(HISTORY_IN_MEMORY);
                self.store.record_visit(url, title, self.saved_reply());
                // Written now, not only at exit, so a crash still reopens these tabs.
                self.save_session();
            }
            BrowserAction::AddBookmark { folder, title, url } => {
                self.store
                    .add_bookmark(folder, title, url, bookmarks(self.events.clone()));
                return Some(ShellAction::Toast(Toast::Info("Bookmark saved".into())));
            }
            BrowserAction::UpdateBookmark(b) => {
                self.store
                    .update_bookmark(b, bookmarks(self.events.clone()));
            }
            BrowserAction::DeleteBookmark(id) => {
                self.store
                    .delete_bookmark(id, bookmarks(self.events.clone()));
            }
            BrowserAction::ClearHistory => {
                self.history.clear();
                self.store.clear_history(self.saved_reply());
            }
            BrowserAction::Untrusted { tab, rejection } => {
                return Some(ShellAction::Untrusted {
                    retry: tab,
                    rejection,
                });
            }
            BrowserAction::CharsetChosen { host, charset } => {
                return Some(ShellAction::UpdateSettings(Box::new(move |s| {
                    match charset {
                        Some(c) => s.charset_overrides.insert(host, c),
                        None => s.charset_overrides.remove(&host),
                    };
                })));
            }
            BrowserAction::OtherPanel(link) => return Some(ShellAction::Open(link)),
            BrowserAction::HttpRequest(url) => return Some(ShellAction::HttpRequest(url)),
            BrowserAction::Error(e) => return Some(ShellAction::Toast(Toast::Error(e))),
        }
        None
    }

    /// A reply for store writes that answer nothing: a failure becomes a message.
    fn saved_reply(&self) -> impl FnOnce(Result<(), crate::store::StoreError>) + Send + 'static {
        let events = self.events.clone();
        move |r| {
            if let Err(e) = r {
                events.send(BrowserMessage::Saved(Err(e.to_string())));
            }
        }
    }

    /// Writes the open tabs so the next run can reopen them.
    pub fn save_session(&self) {
        let urls: Vec<String> = self
            .tabs
            .iter()
            .map(|t| t.current_url.clone())
            .filter(|u| !u.is_empty())
            .collect();
        let json = serde_json::to_string(&urls).unwrap_or_else(|_| "[]".into());
        self.store
            .set_setting(SESSION_TABS, json, crate::store::api::ignore);
    }

    /// Opens a tab at `url` (the start page if `None`) and makes it active.
    pub fn open_tab(&mut self, url: Option<&str>) -> TabId {
        let id = self.next_tab;
        self.next_tab += 1;
        let worker = browser::spawn(
            self.services.clone(),
            self.events
                .clone()
                .contramap(move |e| BrowserMessage::Tab(id, e)),
        );
        self.tabs.push(Tab {
            id,
            worker,
            back: Vec::new(),
            forward: Vec::new(),
            current_url: String::new(),
            url_text: String::new(),
            page: None,
            loading: None,
            error: None,
            last_req: 0,
            search_query: String::new(),
            menu_state: menu_view::MenuViewState::default(),
            doc_state: document_view::DocumentViewState::default(),
            columns: 100,
            charset_choice: None,
            rerender_req: None,
            source_view: None,
            want_source: false,
        });
        self.active = self.tabs.len() - 1;
        let target = url.map_or_else(|| self.start_page.clone(), str::to_string);
        self.navigate(self.active, &target, false);
        id
    }

    pub fn close_tab(&mut self, index: usize) {
        if index < self.tabs.len() {
            self.tabs.remove(index);
        }
        if self.tabs.is_empty() {
            self.open_tab(None);
        }
        self.active = self.active.min(self.tabs.len() - 1);
    }

    pub fn active_tab(&self) -> Option<&Tab> {
        self.tabs.get(self.active)
    }

    /// Status-bar text for the active tab.
    pub fn status(&self) -> String {
        let Some(tab) = self.active_tab() else {
            return String::new();
        };
        if let Some(l) = &tab.loading {
            return format!(
                "Loading {} · {}",
                l.url,
                crate::ui::activity::progress_text(l.bytes, l.total, 0.0)
            );
        }
        if let Some(e) = &tab.error {
            return format!("Error: {e}");
        }
        match &tab.page {
            Some(p) => match &p.content {
                PageContent::Menu {
                    rows,
                    terminated,
                    problems,
                } => {
                    let mut s = format!("{} items", rows.len());
                    if *problems > 0 {
                        s.push_str(&format!(
                            " · {problems} malformed lines shown as best they can be"
                        ));
                    }
                    if !terminated {
                        s.push_str(" · the menu ended without its final '.' (cut short?)");
                    }
                    s
                }
                PageContent::Document(d) => {
                    format!("{} lines · {} bytes", d.lines.len(), p.info.size)
                }
                PageContent::Image { bytes, .. } => format!("image · {} bytes", bytes.len()),
                _ => String::new(),
            },
            None => String::new(),
        }
    }

    /// Applies a worker event for tab `tab`.
    pub fn apply_tab(&mut self, tab_id: TabId, event: BrowserEvent) {
        let Some(index) = self.tabs.iter().position(|t| t.id == tab_id) else {
            return;
        };
        match event {
            BrowserEvent::Progress { req, bytes, total } => {
                let tab = &mut self.tabs[index];
                if let Some(l) = tab.loading.as_mut().filter(|l| l.req == req) {
                    l.bytes = bytes;
                    l.total = total;
                }
            }
            BrowserEvent::Loaded { req, page } => {
                let tab = &mut self.tabs[index];
                if req != tab.last_req {
                    return;
                }
                tab.loading = None;
                tab.error = None;
                if let PageContent::Download { link, .. } = &page.content {
                    self.actions.push(BrowserAction::Download {
                        link: link.clone(),
                        name: Some(page.title.clone()),
                    });
                    tab.url_text.clone_from(&tab.current_url);
                    return;
                }
                let is_rerender = tab.rerender_req == Some(req);
                tab.rerender_req = None;
                tab.current_url.clone_from(&page.url);
                tab.url_text.clone_from(&page.url);
                let show_source = std::mem::take(&mut tab.want_source)
                    || (is_rerender && tab.source_view.is_some());
                tab.source_view = page
                    .source
                    .as_ref()
                    .filter(|_| show_source)
                    .map(SourceView::new);
                if tab.source_view.is_some() {
                    tab.url_text = format!("{VIEW_SOURCE}{}", page.url);
                }
                if !is_rerender {
                    tab.menu_state = menu_view::MenuViewState::default();
                    tab.doc_state = document_view::DocumentViewState::default();
                    self.actions.push(BrowserAction::Visited {
                        url: page.url.clone(),
                        title: page.title.clone(),
                    });
                }
                tab.page = Some(*page);
                self.refresh_find();
            }
            BrowserEvent::Failed {
                req,
                error,
                untrusted,
            } => {
                let tab = &mut self.tabs[index];
                if req != tab.last_req {
                    return;
                }
                tab.loading = None;
                if let Some(rejection) = untrusted {
                    self.actions.push(BrowserAction::Untrusted {
                        tab: tab_id,
                        rejection,
                    });
                }
                // Like a browser: the failed address stays in the URL bar to be fixed or
                // retried, and Back returns to the page before.
                tab.error = Some(error);
                tab.page = None;
                tab.url_text.clone_from(&tab.current_url);
            }
            BrowserEvent::Robots { url, verdict } => {
                self.robots.insert(url, verdict);
            }
        }
    }

    /// Goes to `input` in tab `index`. `push` records the current page for Back.
    pub fn navigate(&mut self, index: usize, input: &str, push: bool) {
        let input = input.trim();
        if index >= self.tabs.len() || input.is_empty() {
            return;
        }
        let (input, want_source) = match input.strip_prefix(VIEW_SOURCE) {
            Some(rest) => (rest.trim(), true),
            None => (input, false),
        };
        let url = normalize_input(input);
        self.tabs[index].want_source = want_source;
        if url.starts_with("about:") {
            let tab = &mut self.tabs[index];
            let _ = tab.worker.send(BrowserCommand::Stop);
            if push && !tab.current_url.is_empty() && tab.current_url != url {
                let previous = tab.current_url.clone();
                tab.back.push(previous);
                tab.forward.clear();
            }
            tab.loading = None;
            tab.error = None;
            tab.page = None;
            // Built-in pages leave the URL bar empty, ready for an address.
            tab.url_text = if url == START {
                String::new()
            } else {
                url.clone()
            };
            tab.current_url = url;
            self.refresh_find();
            return;
        }
        match Link::parse(&url) {
            Ok(link) => self.open_link(index, link, push),
            Err(e) => {
                let tab = &mut self.tabs[index];
                tab.error = Some(format!("{url}: {e}"));
                tab.url_text = url;
            }
        }
    }

    /// Opens a parsed link in tab `index`; a link for another panel goes to the router.
    pub fn open_link(&mut self, index: usize, link: Link, push: bool) {
        if link.panel() != PanelKind::Browser {
            if let Some(tab) = self.tabs.get_mut(index) {
                tab.url_text.clone_from(&tab.current_url);
            }
            self.actions.push(BrowserAction::OtherPanel(link));
            return;
        }
        if let Link::Gopher(g) = &link
            && gopher::class_of(g.item_type) == ItemClass::Binary
        {
            self.actions.push(BrowserAction::Download {
                link: link.clone(),
                name: None,
            });
            return;
        }
        let req = self.next_req;
        self.next_req += 1;
        let charset = self.charset_for(&link);
        let Some(tab) = self.tabs.get_mut(index) else {
            return;
        };
        let url = link.to_string();
        if push && !tab.current_url.is_empty() && tab.current_url != url {
            let previous = tab.current_url.clone();
            tab.back.push(previous);
            tab.forward.clear();
        }
        tab.charset_choice = None;
        tab.rerender_req = None;
        tab.source_view = None;
        tab.last_req = req;
        tab.error = None;
        tab.loading = Some(Loading {
            req,
            url: url.clone(),
            bytes: 0,
            total: None,
        });
        tab.current_url.clone_from(&url);
        tab.url_text = url;
        let _ = tab.worker.send(BrowserCommand::Open {
            req,
            link,
            columns: tab.columns,
            charset,
        });
    }

    fn charset_for(&self, link: &Link) -> Option<Charset> {
        match link {
            Link::Gopher(g) => self.charset_overrides.get(&g.server.host).copied(),
            _ => None,
        }
    }

    pub fn back(&mut self, index: usize) {
        let Some(tab) = self.tabs.get_mut(index) else {
            return;
        };
        if let Some(url) = tab.back.pop() {
            let current = tab.current_url.clone();
            tab.forward.push(current);
            self.navigate(index, &url, false);
        }
    }

    pub fn forward(&mut self, index: usize) {
        let Some(tab) = self.tabs.get_mut(index) else {
            return;
        };
        if let Some(url) = tab.forward.pop() {
            let current = tab.current_url.clone();
            tab.back.push(current);
            self.navigate(index, &url, false);
        }
    }

    pub fn reload(&mut self, index: usize) {
        if let Some(url) = self.tabs.get(index).map(|t| t.current_url.clone()) {
            self.navigate(index, &url, false);
        }
    }

    pub fn stop(&mut self, index: usize) {
        if let Some(tab) = self.tabs.get_mut(index) {
            let _ = tab.worker.send(BrowserCommand::Stop);
            tab.loading = None;
            tab.last_req = 0;
        }
    }

    /// Retries the current page of a tab (after the user trusted a certificate).
    pub fn retry_tab(&mut self, tab_id: TabId) {
        if let Some(index) = self.tabs.iter().position(|t| t.id == tab_id) {
            self.reload(index);
        }
    }

    /// Shows a page directly, as the worker would: for benchmarks and tests.
    pub fn show_page(&mut self, page: Page) {
        if let Some(tab) = self.tabs.get_mut(self.active) {
            tab.current_url.clone_from(&page.url);
            tab.url_text.clone_from(&page.url);
            tab.loading = None;
            tab.page = Some(page);
        }
    }

    /// The active tab shows the start page and nothing was done in it yet.
    fn start_page_untouched(&self) -> bool {
        self.tabs.get(self.active).is_some_and(|t| {
            t.back.is_empty()
                && t.page.is_none()
                && t.loading.is_none()
                && t.current_url == self.start_page
        })
    }

    /// View source on or off for tab `index`: the page's bytes as received, in place of the
    /// page, with `view-source:` before the address.
    pub fn toggle_source(&mut self, index: usize) {
        let Some(tab) = self.tabs.get_mut(index) else {
            return;
        };
        if tab.source_view.take().is_some() {
            tab.url_text.clone_from(&tab.current_url);
        } else if let Some(source) = tab.page.as_ref().and_then(|p| p.source.as_ref()) {
            tab.source_view = Some(SourceView::new(source));
            tab.url_text = format!("{VIEW_SOURCE}{}", tab.current_url);
        }
        self.refresh_find();
    }

    fn refresh_find(&mut self) {
        let Some(tab) = self.tabs.get_mut(self.active) else {
            return;
        };
        let q = self.find.query.to_lowercase();
        if let Some(view) = tab.source_view.as_mut() {
            self.find.matches = if self.find.open && !q.is_empty() {
                view.find(&q)
            } else {
                Vec::new()
            };
            self.find.current = 0;
            view.highlight.clone_from(&self.find.matches);
            view.scroll_to = self.find.matches.first().copied();
            return;
        }
        self.find.matches = if self.find.open && !q.is_empty() {
            match tab.page.as_ref().map(|p| &p.content) {
                Some(PageContent::Menu { rows, .. }) => rows
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.display.to_lowercase().contains(&q))
                    .map(|(i, _)| i)
                    .collect(),
                Some(PageContent::Document(d)) => d.find(&q),
                _ => Vec::new(),
            }
        } else {
            Vec::new()
        };
        self.find.current = 0;
        tab.menu_state.highlight.clone_from(&self.find.matches);
        tab.doc_state.highlight.clone_from(&self.find.matches);
        if let Some(first) = self.find.matches.first() {
            tab.menu_state.scroll_to = Some(*first);
            tab.doc_state.scroll_to = Some(*first);
        }
    }

    fn find_step(&mut self, delta: isize) {
        if self.find.matches.is_empty() {
            return;
        }
        let n = self.find.matches.len() as isize;
        self.find.current =
            usize::try_from((self.find.current as isize + delta).rem_euclid(n)).unwrap_or(0);
        let row = self.find.matches[self.find.current];
        if let Some(tab) = self.tabs.get_mut(self.active) {
            if let Some(view) = tab.source_view.as_mut() {
                view.scroll_to = Some(row);
            }
            tab.menu_state.scroll_to = Some(row);
            tab.doc_state.scroll_to = Some(row);
        }
    }

    /// Keyboard shortcuts of the panel.
    pub fn shortcuts(&mut self, ctx: &egui::Context) {
        let shortcut = |m, k| KeyboardShortcut::new(m, k);
        let source = ctx.input_mut(|i| i.consume_shortcut(&shortcut(Modifiers::COMMAND, Key::U)));
        if source {
            self.toggle_source(self.active);
        }
        let (new_tab, close_tab, focus_url, find, bookmark, back, forward, reload, reload2) = ctx
            .input_mut(|i| {
                (
                    i.consume_shortcut(&shortcut(Modifiers::COMMAND, Key::T)),
                    i.consume_shortcut(&shortcut(Modifiers::COMMAND, Key::W)),
                    i.consume_shortcut(&shortcut(Modifiers::COMMAND, Key::L)),
                    i.consume_shortcut(&shortcut(Modifiers::COMMAND, Key::F)),
                    i.consume_shortcut(&shortcut(Modifiers::COMMAND, Key::D)),
                    i.consume_shortcut(&shortcut(Modifiers::ALT, Key::ArrowLeft)),
                    i.consume_shortcut(&shortcut(Modifiers::ALT, Key::ArrowRight)),
                    i.consume_shortcut(&shortcut(Modifiers::COMMAND, Key::R)),
                    i.consume_shortcut(&shortcut(Modifiers::NONE, Key::F5)),
                )
            });
        if new_tab {
            self.open_tab(None);
            self.focus_url_bar = true;
        }
        if close_tab {
            self.close_tab(self.active);
        }
        if focus_url {
            self.focus_url_bar = true;
        }
        if find {
            self.find.open = true;
            self.find.focus = true;
        }
        if bookmark {
            self.start_bookmark();
        }
        if back {
            self.back(self.active);
        }
        if forward {
            self.forward(self.active);
        }
        if reload || reload2 {
            self.reload(self.active);
        }
    }

    fn start_bookmark(&mut self) {
        if let Some(tab) = self.active_tab() {
            if tab.current_url.is_empty() {
                return;
            }
            let existing = self.bookmarks.iter().find(|b| b.url == tab.current_url);
            self.bookmark_draft = Some(match existing {
                Some(b) => BookmarkDraft {
                    id: Some(b.id),
                    folder: b.folder.clone(),
                    title: b.title.clone(),
                    url: b.url.clone(),
                },
                None => BookmarkDraft {
                    id: None,
                    folder: String::new(),
                    title: tab.title(),
                    url: tab.current_url.clone(),
                },
            });
        }
    }

    /// Draws the panel.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        if self.tabs.is_empty() {
            self.open_tab(None);
        }
        self.shortcuts(ui.ctx());
        self.tab_strip(ui);
        self.toolbar(ui);
        if self.find.open {
            self.find_bar(ui);
        }
        ui.separator();
        self.content(ui);
        self.bookmark_window(ui.ctx());
        self.page_info_window(ui.ctx());
    }

    fn tab_strip(&mut self, ui: &mut egui::Ui) {
        let mut close = None;
        let mut select = None;
        ui.horizontal_wrapped(|ui| {
            for (i, tab) in self.tabs.iter().enumerate() {
                let mut title = tab.title();
                if title.chars().count() > 28 {
                    title = title.chars().take(27).collect::<String>() + "…";
                }
                let spinner = if tab.is_loading() { "⟳ " } else { "" };
                let r = ui.selectable_label(i == self.active, format!("{spinner}{title}"));
                if r.clicked() {
                    select = Some(i);
                }
                if r.middle_clicked() {
                    close = Some(i);
                }
                if ui
                    .small_button("×")
                    .on_hover_text("Close tab (Ctrl+W)")
                    .clicked()
                {
                    close = Some(i);
                }
            }
            if ui.button("+").on_hover_text("New tab (Ctrl+T)").clicked() {
                self.open_tab(None);
                self.focus_url_bar = true;
            }
        });
        if let Some(i) = select {
            self.active = i;
            self.refresh_find();
        }
        if let Some(i) = close {
            self.close_tab(i);
        }
    }

    fn toolbar(&mut self, ui: &mut egui::Ui) {
        let index = self.active;
        let (can_back, can_forward, loading) =
            self.tabs.get(index).map_or((false, false, false), |t| {
                (!t.back.is_empty(), !t.forward.is_empty(), t.is_loading())
            });
        let mut go = None;
        let mut view_source = false;
        ui.horizontal(|ui| {
            if ui
                .add_enabled(can_back, egui::Button::new("⬅"))
                .on_hover_text("Back (Alt+Left)")
                .clicked()
            {
                self.back(index);
            }
            if ui
                .add_enabled(can_forward, egui::Button::new("➡"))
                .on_hover_text("Forward (Alt+Right)")
                .clicked()
            {
                self.forward(index);
            }
            if loading {
                if ui.button("⏹").on_hover_text("Stop (Esc)").clicked() {
                    self.stop(index);
                }
            } else if ui.button("⟳").on_hover_text("Reload (Ctrl+R)").clicked() {
                self.reload(index);
            }
            if ui.button("🏠").on_hover_text("Start page").clicked() {
                go = Some(self.start_page.clone());
            }
            let label = ui.label("URL:");
            let right_width = 150.0;
            let width = (ui.available_width() - right_width).max(120.0);
            let Some(tab) = self.tabs.get_mut(index) else {
                return;
            };
            let edit = egui::TextEdit::singleline(&mut tab.url_text)
                .desired_width(width)
                .hint_text("gopher://… or https://…");
            let response = ui.add(edit).labelled_by(label.id);
            if self.focus_url_bar {
                // Like a browser: focusing the address selects it, so typing replaces it.
                response.request_focus();
                if let Some(mut state) = egui::TextEdit::load_state(ui.ctx(), response.id) {
                    state
                        .cursor
                        .set_char_range(Some(egui::text::CCursorRange::select_all_str(
                            &tab.url_text,
                        )));
                    state.store(ui.ctx(), response.id);
                }
                self.focus_url_bar = false;
            }
            let suggestions = if response.has_focus()
                && !tab.url_text.is_empty()
                && tab.url_text != tab.current_url
            {
                suggest(&tab.url_text, &self.bookmarks, &self.history)
            } else {
                Vec::new()
            };
            let enter = response.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            if response.has_focus() && !suggestions.is_empty() {
                let (up, down) =
                    ui.input(|i| (i.key_pressed(Key::ArrowUp), i.key_pressed(Key::ArrowDown)));
                let n = suggestions.len();
                if down {
                    self.suggestion = Some(self.suggestion.map_or(0, |s| (s + 1) % n));
                }
                if up {
                    self.suggestion = Some(self.suggestion.map_or(n - 1, |s| (s + n - 1) % n));
                }
            }
            if ui.input(|i| i.key_pressed(Key::Escape)) && loading {
                self.stop(index);
            }
            if enter {
                let chosen = self
                    .suggestion
                    .and_then(|s| suggestions.get(s))
                    .map(|(_, url)| url.clone());
                let tab = &self.tabs[index];
                go = Some(chosen.unwrap_or_else(|| tab.url_text.clone()));
                self.suggestion = None;
            } else if !suggestions.is_empty() {
                let picked = show_suggestions(ui, &response, &suggestions, self.suggestion);
                if let Some(url) = picked {
                    go = Some(url);
                    self.suggestion = None;
                }
            } else {
                self.suggestion = None;
            }
            let bookmarked = self
                .tabs
                .get(index)
                .is_some_and(|t| self.bookmarks.iter().any(|b| b.url == t.current_url));
            if ui
                .button(if bookmarked { "★" } else { "☆" })
                .on_hover_text("Bookmark this page (Ctrl+D)")
                .clicked()
            {
                self.start_bookmark();
            }
            if ui.button("ℹ").on_hover_text("Page info").clicked() {
                self.page_info_open = !self.page_info_open;
                self.check_robots();
            }
            ui.menu_button("☰", |ui| {
                if ui.button("Bookmarks").clicked() {
                    go = Some(BOOKMARKS.into());
                    ui.close();
                }
                if ui.button("History").clicked() {
                    go = Some(HISTORY.into());
                    ui.close();
                }
                if ui.button("Find in page (Ctrl+F)").clicked() {
                    self.find.open = true;
                    self.find.focus = true;
                    ui.close();
                }
                let has_source = self.tabs.get(index).is_some_and(|t| {
                    t.source_view.is_some() || t.page.as_ref().is_some_and(|p| p.source.is_some())
                });
                if ui
                    .add_enabled(has_source, egui::Button::new("View source (Ctrl+U)"))
                    .clicked()
                {
                    view_source = true;
                    ui.close();
                }
                let web_page = self
                    .tabs
                    .get(index)
                    .map(|t| t.current_url.clone())
                    .filter(|u| u.starts_with("http://") || u.starts_with("https://"));
                if ui
                    .add_enabled(
                        web_page.is_some(),
                        egui::Button::new("Send as HTTP request…"),
                    )
                    .on_hover_text("This page's address in the HTTP request window (Tools)")
                    .clicked()
                {
                    if let Some(url) = web_page {
                        self.actions.push(BrowserAction::HttpRequest(url));
                    }
                    ui.close();
                }
                self.charset_menu(ui);
            });
        });
        if let Some(url) = go {
            self.navigate(index, &url, true);
        }
        if view_source {
            self.toggle_source(index);
        }
    }

    fn charset_menu(&mut self, ui: &mut egui::Ui) {
        let index = self.active;
        let Some(tab) = self.tabs.get(index) else {
            return;
        };
        let Some(page) = &tab.page else {
            return;
        };
        let Link::Gopher(g) = &page.link else {
            return;
        };
        let host = g.server.host.clone();
        ui.separator();
        ui.label("Text encoding");
        let current = page.charset;
        let overridden = self.charset_overrides.get(&host).copied();
        let mut choice: Option<Option<Charset>> = None;
        if ui.radio(overridden.is_none(), "Auto-detect").clicked() {
            choice = Some(None);
        }
        for c in Charset::ALL {
            let label = if overridden.is_none() && current == Some(c) {
                format!("{} (detected)", c.label())
            } else {
                c.label().to_string()
            };
            if ui.radio(overridden == Some(c), label).clicked() {
                choice = Some(Some(c));
            }
        }
        if let Some(choice) = choice {
            match choice {
                Some(c) => self.charset_overrides.insert(host.clone(), c),
                None => self.charset_overrides.remove(&host),
            };
            self.actions.push(BrowserAction::CharsetChosen {
                host,
                charset: choice,
            });
            let req = self.next_req;
            self.next_req += 1;
            if let Some(tab) = self.tabs.get_mut(index) {
                tab.last_req = req;
                tab.rerender_req = Some(req);
                tab.charset_choice = choice;
                let _ = tab.worker.send(BrowserCommand::Rerender {
                    req,
                    columns: tab.columns,
                    charset: choice,
                });
            }
            ui.close();
        }
    }

    fn check_robots(&mut self) {
        if let Some(Page {
            link: Link::Http(u),
            ..
        }) = self.active_tab().and_then(|t| t.page.as_ref())
            && !self.robots.contains_key(u.as_str())
            && let Some(tab) = self.active_tab()
        {
            let _ = tab
                .worker
                .send(BrowserCommand::CheckRobots { url: u.clone() });
        }
    }

    fn find_bar(&mut self, ui: &mut egui::Ui) {
        let mut changed = false;
        let mut step = 0isize;
        ui.horizontal(|ui| {
            let label = ui.label("Find:");
            let r = ui
                .add(egui::TextEdit::singleline(&mut self.find.query).desired_width(220.0))
                .labelled_by(label.id);
            if self.find.focus {
                r.request_focus();
                self.find.focus = false;
            }
            changed = r.changed();
            if r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
                step = if ui.input(|i| i.modifiers.shift) {
                    -1
                } else {
                    1
                };
                r.request_focus();
            }
            if ui.button("▲").on_hover_text("Previous match").clicked() {
                step = -1;
            }
            if ui.button("▼").on_hover_text("Next match").clicked() {
                step = 1;
            }
            let n = self.find.matches.len();
            if self.find.query.is_empty() {
                ui.weak("Type to search this page");
            } else if n == 0 {
                ui.colored_label(ui.visuals().warn_fg_color, "No matches");
            } else {
                ui.label(format!("{} of {n}", self.find.current + 1));
            }
            if ui.button("Close").clicked() || ui.input(|i| i.key_pressed(Key::Escape)) {
                self.find.open = false;
                changed = true;
            }
        });
        if changed {
            self.refresh_find();
        } else if step != 0 {
            self.find_step(step);
        }
    }

    fn content(&mut self, ui: &mut egui::Ui) {
        let index = self.active;
        let Some(tab) = self.tabs.get_mut(index) else {
            return;
        };
        // HTML wraps to the panel's width, in columns of an average character.
        let char_width = ui.text_style_height(&egui::TextStyle::Body) * 0.5;
        let columns = ((ui.available_width() / char_width.max(1.0)) as usize).clamp(40, 240);
        let needs_rewrap = matches!(&tab.page, Some(p) if matches!(p.content, PageContent::Document(ref d) if !d.monospace))
            && tab.loading.is_none()
            && columns.abs_diff(tab.columns) > 8;
        tab.columns = columns;
        if needs_rewrap {
            let req = self.next_req;
            self.next_req += 1;
            tab.last_req = req;
            tab.rerender_req = Some(req);
            let _ = tab.worker.send(BrowserCommand::Rerender {
                req,
                columns,
                charset: tab.charset_choice,
            });
        }
        if let Some(error) = tab.error.clone() {
            let mut retry = false;
            egui::Frame::new()
                .fill(ui.visuals().extreme_bg_color)
                .inner_margin(8.0)
                .show(ui, |ui| {
                    ui.colored_label(ui.visuals().error_fg_color, RichText::new(&error).strong());
                    if ui.button("Try again").clicked() {
                        retry = true;
                    }
                });
            if retry {
                self.reload(index);
                return;
            }
        }
        let Some(tab) = self.tabs.get_mut(index) else {
            return;
        };
        if let Some(l) = &tab.loading {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!("Loading {}…", l.url));
            });
        }
        if let Some(view) = tab.source_view.as_mut() {
            view.show(ui);
            return;
        }
        let url = tab.current_url.clone();
        let mut click = None;
        let mut search: Option<(GopherLink, String)> = None;
        match tab.page.as_ref().map(|p| p.content.clone()) {
            _ if url.starts_with("about:") => {
                click = self.builtin_page(ui, &url);
            }
            Some(PageContent::Menu { rows, .. }) => {
                click = menu_view::show(ui, &rows, &mut tab.menu_state);
            }
            Some(PageContent::Document(doc)) => {
                click = document_view::show(ui, &doc, &mut tab.doc_state);
            }
            Some(PageContent::Image { uri, bytes }) => {
                egui::ScrollArea::both()
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        ui.add(
                            egui::Image::from_bytes(uri, egui::load::Bytes::Shared(bytes))
                                .max_width(ui.available_width())
                                .shrink_to_fit(),
                        );
                    });
            }
            Some(PageContent::SearchPrompt { link }) => {
                ui.heading("Search");
                ui.label(format!(
                    "This gopher item asks for a query: {}",
                    tab.current_url
                ));
                ui.horizontal(|ui| {
                    let label = ui.label("Search for:");
                    let r = ui
                        .add(egui::TextEdit::singleline(&mut tab.search_query))
                        .labelled_by(label.id);
                    if !r.has_focus() && tab.search_query.is_empty() {
                        r.request_focus();
                    }
                    let enter = r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                    if (ui.button("Search").clicked() || enter)
                        && !tab.search_query.trim().is_empty()
                    {
                        search = Some((link.clone(), tab.search_query.trim().to_string()));
                    }
                });
            }
            Some(PageContent::Download { .. }) | None => {}
        }
        if let Some((mut link, query)) = search {
            link.search = Some(query);
            self.open_link(index, Link::Gopher(link), true);
        }
        match click {
            Some(LinkClick::Open(link)) => self.open_link(index, link, true),
            Some(LinkClick::OpenInNewTab(link)) => {
                let url = link.to_string();
                let current = self.active;
                self.open_tab(Some(&url));
                self.active = current;
            }
            Some(LinkClick::Invalid(url)) => {
                self.actions
                    .push(BrowserAction::Error(format!("cannot open {url}")));
            }
            None => {}
        }
    }

    fn builtin_page(&mut self, ui: &mut egui::Ui, url: &str) -> Option<LinkClick> {
        let mut click = None;
        let mut open = |ui: &mut egui::Ui, title: &str, target: &str| {
            let r = ui.add(egui::Link::new(title)).on_hover_text(target);
            if r.clicked() || r.middle_clicked() {
                click = Some(match Link::parse(target) {
                    Ok(l) if r.middle_clicked() => LinkClick::OpenInNewTab(l),
                    Ok(l) => LinkClick::Open(l),
                    Err(_) => LinkClick::Invalid(target.to_string()),
                });
            }
        };
        match url {
            BOOKMARKS => {
                ui.heading("Bookmarks");
                let mut edit = None;
                let mut delete = None;
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        if self.bookmarks.is_empty() {
                            ui.weak("No bookmarks yet. Press Ctrl+D on a page to add one.");
                        }
                        let mut folder: Option<&str> = None;
                        for b in &self.bookmarks {
                            if folder != Some(b.folder.as_str()) {
                                folder = Some(b.folder.as_str());
                                let name = if b.folder.is_empty() {
                                    "(top level)"
                                } else {
                                    b.folder.as_str()
                                };
                                ui.add_space(4.0);
                                ui.label(RichText::new(format!("🗀 {name}")).strong());
                            }
                            ui.horizontal(|ui| {
                                ui.add_space(16.0);
                                open(ui, &b.title, &b.url);
                                ui.weak(&b.url);
                                if ui.small_button("Edit").clicked() {
                                    edit = Some(b.clone());
                                }
                                if ui.small_button("Delete").clicked() {
                                    delete = Some(b.id);
                                }
                            });
                        }
                    });
                if let Some(b) = edit {
                    self.bookmark_draft = Some(BookmarkDraft {
                        id: Some(b.id),
                        folder: b.folder,
                        title: b.title,
                        url: b.url,
                    });
                }
                if let Some(id) = delete {
                    self.actions.push(BrowserAction::DeleteBookmark(id));
                }
            }
            HISTORY => {
                ui.horizontal(|ui| {
                    ui.heading("History");
                    if ui.button("Clear history").clicked() {
                        self.actions.push(BrowserAction::ClearHistory);
                    }
                });
                let row_height = ui.text_style_height(&egui::TextStyle::Body).max(16.0);
                let history = &self.history;
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show_rows(ui, row_height, history.len(), |ui, range| {
                        for e in &history[range] {
                            ui.horizontal(|ui| {
                                let title = if e.title.is_empty() {
                                    e.url.as_str()
                                } else {
                                    e.title.as_str()
                                };
                                open(ui, title, &e.url);
                                ui.weak(format!("{} · {} visits", e.url, e.visits));
                            });
                        }
                    });
            }
            _ => {
                ui.heading("Portolan");
                ui.label(
                    "Type a gopher:// or http(s):// address above (Ctrl+L), or pick one below.",
                );
                ui.add_space(8.0);
                ui.columns(2, |cols| {
                    cols[0].label(RichText::new("Bookmarks").strong());
                    if self.bookmarks.is_empty() {
                        cols[0].weak("None yet: Ctrl+D bookmarks the current page.");
                    }
                    for b in self.bookmarks.iter().take(20) {
                        open(&mut cols[0], &b.title, &b.url);
                    }
                    cols[1].label(RichText::new("Recently visited").strong());
                    if self.history.is_empty() {
                        cols[1].weak("Nothing yet.");
                    }
                    for e in self.history.iter().take(15) {
                        let title = if e.title.is_empty() {
                            e.url.as_str()
                        } else {
                            e.title.as_str()
                        };
                        open(&mut cols[1], title, &e.url);
                    }
                });
                ui.add_space(8.0);
                ui.label(RichText::new("Places to start in Gopherspace").strong());
                for (title, target) in PLACES {
                    open(ui, title, target);
                }
                ui.add_space(8.0);
                ui.horizontal(|ui| {
                    if ui.link("All bookmarks").clicked() {
                        self.pending_builtin(BOOKMARKS);
                    }
                    if ui.link("All history").clicked() {
                        self.pending_builtin(HISTORY);
                    }
                });
            }
        }
        click
    }

    fn pending_builtin(&mut self, url: &str) {
        let index = self.active;
        self.navigate(index, url, true);
    }

    fn bookmark_window(&mut self, ctx: &egui::Context) {
        let Some(mut draft) = self.bookmark_draft.clone() else {
            return;
        };
        let mut close = false;
        egui::Window::new("Bookmark")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 90.0))
            .show(ctx, |ui| {
                egui::Grid::new("bm").num_columns(2).show(ui, |ui| {
                    let l = ui.label("Title:");
                    ui.text_edit_singleline(&mut draft.title).labelled_by(l.id);
                    ui.end_row();
                    let l = ui.label("Folder:");
                    ui.text_edit_singleline(&mut draft.folder).labelled_by(l.id);
                    ui.end_row();
                    let l = ui.label("Address:");
                    ui.text_edit_singleline(&mut draft.url).labelled_by(l.id);
                    ui.end_row();
                });
                let enter = ui.input(|i| i.key_pressed(Key::Enter));
                if ui.input(|i| i.key_pressed(Key::Escape)) {
                    close = true;
                }
                ui.horizontal(|ui| {
                    if ui.button("Save").clicked() || enter {
                        let folder = draft.folder.trim().trim_matches('/').to_string();
                        match draft.id {
                            Some(id) => {
                                self.actions.push(BrowserAction::UpdateBookmark(Bookmark {
                                    id,
                                    folder,
                                    title: draft.title.clone(),
                                    url: draft.url.clone(),
                                }));
                            }
                            None => self.actions.push(BrowserAction::AddBookmark {
                                folder,
                                title: draft.title.clone(),
                                url: draft.url.clone(),
                            }),
                        }
                        close = true;
                    }
                    if let Some(id) = draft.id
                        && ui.button("Delete").clicked()
                    {
                        self.actions.push(BrowserAction::DeleteBookmark(id));
                        close = true;
                    }
                    if ui.button("Cancel").clicked() {
                        close = true;
                    }
                });
            });
        self.bookmark_draft = if close { None } else { Some(draft) };
    }

    fn page_info_window(&mut self, ctx: &egui::Context) {
        if !self.page_info_open {
            return;
        }
        let mut open = true;
        let tab = self.tabs.get(self.active);
        egui::Window::new("Page info")
            .open(&mut open)
            .default_width(520.0)
            .show(ctx, |ui| {
                let Some(tab) = tab else {
                    return;
                };
                ui.label(RichText::new(&tab.current_url).monospace());
                let Some(page) = &tab.page else {
                    ui.weak("No page loaded.");
                    return;
                };
                egui::Grid::new("info").num_columns(2).show(ui, |ui| {
                    ui.label("Title");
                    ui.label(&page.title);
                    ui.end_row();
                    ui.label("Size");
                    ui.label(crate::ui::activity::human_bytes(page.info.size as u64));
                    ui.end_row();
                    if let Some(s) = &page.info.status {
                        ui.label("Status");
                        ui.label(s);
                        ui.end_row();
                    }
                    if let Some(cs) = page.charset {
                        ui.label("Encoding");
                        ui.label(cs.label());
                        ui.end_row();
                    }
                    if let Link::Http(_) = &page.link {
                        ui.label("robots.txt");
                        ui.label(
                            self.robots
                                .get(&page.url)
                                .map_or("checking…", String::as_str),
                        );
                        ui.end_row();
                    }
                });
                if let Some(cert) = &page.info.cert {
                    ui.separator();
                    ui.label(RichText::new("Certificate").strong());
                    egui::Grid::new("cert").num_columns(2).show(ui, |ui| {
                        for (k, v) in [
                            ("Subject", &cert.subject),
                            ("Issuer", &cert.issuer),
                            ("Valid from", &cert.not_before),
                            ("Valid until", &cert.not_after),
                            ("SHA-256", &cert.sha256),
                        ] {
                            ui.label(k);
                            ui.add(egui::Label::new(RichText::new(v).monospace()).wrap());
                            ui.end_row();
                        }
                    });
                }
                if !page.info.headers.is_empty() {
                    ui.separator();
                    ui.label(RichText::new("Response headers").strong());
                    egui::ScrollArea::vertical()
                        .max_height(240.0)
                        .show(ui, |ui| {
                            for (k, v) in &page.info.headers {
                                ui.label(RichText::new(format!("{k}: {v}")).monospace());
                            }
                        });
                }
            });
        self.page_info_open = open;
    }
}

impl Panel for BrowserPanel {
    fn kind(&self) -> PanelKind {
        PanelKind::Browser
    }

    fn icon(&self) -> &'static str {
        "🌐"
    }

    fn status(&self) -> String {
        BrowserPanel::status(self)
    }

    fn ui(&mut self, ui: &mut egui::Ui) {
        BrowserPanel::ui(self, ui);
    }

    fn apply(&mut self, event: PanelEvent) {
        match event.take::<BrowserMessage>() {
            Some(BrowserMessage::Tab(tab, e)) => self.apply_tab(tab, e),
            Some(BrowserMessage::Bookmarks(Ok(list))) => self.bookmarks = list,
            Some(BrowserMessage::Bookmarks(Err(e)) | BrowserMessage::Saved(Err(e))) => {
                self.actions
                    .push(BrowserAction::Error(format!("Could not save: {e}")));
            }
            Some(BrowserMessage::Saved(Ok(()))) | None => {}
        }
    }

    fn open_source(&mut self, link: &Link) -> bool {
        let text = format!("{VIEW_SOURCE}{link}");
        if self.start_page_untouched() {
            self.navigate(self.active, &text, true);
        } else {
            self.open_tab(Some(&text));
        }
        true
    }

    /// A link from elsewhere opens in the tab that shows an untouched start page, else in a
    /// new tab, as a browser does with links from other programs.
    fn open(&mut self, link: &Link) {
        if self.start_page_untouched() {
            self.open_link(self.active, link.clone(), true);
        } else {
            self.open_tab(Some(&link.to_string()));
        }
    }

    fn retry(&mut self, retry: u64) {
        self.retry_tab(retry);
    }

    fn take_actions(&mut self) -> Vec<ShellAction> {
        std::mem::take(&mut self.actions)
            .into_iter()
            .filter_map(|a| self.carry_out(a))
            .collect()
    }

    fn settings_changed(&mut self, settings: &crate::settings::Settings) {
        self.start_page.clone_from(&settings.start_page);
        self.download_dir.clone_from(&settings.download_dir);
    }

    fn save_state(&self) {
        self.save_session();
    }
}

/// Adds `gopher://` or `http://` to an address typed without a scheme.
pub fn normalize_input(input: &str) -> String {
    let input = input.trim();
    if input.starts_with("about:")
        || input.contains("://")
        || input.starts_with("mailto:")
        || input.starts_with("news:")
    {
        return input.to_string();
    }
    let port = input
        .split('/')
        .next()
        .and_then(|host| host.rsplit_once(':'))
        .map(|(_, p)| p);
    if input.starts_with("gopher.") || matches!(port, Some("70" | "7070")) {
        format!("gopher://{input}")
    } else {
        format!("http://{input}")
    }
}

/// Up to eight bookmarks and history entries containing `text`, as (title, url).
pub fn suggest(
    text: &str,
    bookmarks: &[Bookmark],
    history: &[HistoryEntry],
) -> Vec<(String, String)> {
    let needle = text.to_lowercase();
    let mut out: Vec<(String, String)> = Vec::new();
    let candidates = bookmarks
        .iter()
        .map(|b| (b.title.as_str(), b.url.as_str()))
        .chain(history.iter().map(|h| (h.title.as_str(), h.url.as_str())));
    for (title, url) in candidates {
        if out.len() >= 8 {
            break;
        }
        if (url.to_lowercase().contains(&needle) || title.to_lowercase().contains(&needle))
            && !out.iter().any(|(_, u)| u == url)
        {
            out.push((title.to_string(), url.to_string()));
        }
    }
    out
}

fn show_suggestions(
    ui: &egui::Ui,
    anchor: &egui::Response,
    suggestions: &[(String, String)],
    selected: Option<usize>,
) -> Option<String> {
    let mut picked = None;
    egui::Area::new(egui::Id::unique("url_suggestions"))
        .order(egui::Order::Foreground)
        .fixed_pos(anchor.rect.left_bottom())
        .show(ui.ctx(), |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.set_min_width(anchor.rect.width());
                for (i, (title, url)) in suggestions.iter().enumerate() {
                    let text = if title.is_empty() || title == url {
                        url.clone()
                    } else {
                        format!("{title} — {url}")
                    };
                    if ui.selectable_label(selected == Some(i), text).clicked() {
                        picked = Some(url.clone());
                    }
                }
            });
        });
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_without_scheme() {
        assert_eq!(
            normalize_input("gopher.floodgap.com"),
            "gopher://gopher.floodgap.com"
        );
        assert_eq!(normalize_input("example.org"), "http://example.org");
        assert_eq!(
            normalize_input("localhost:7070/1/files"),
            "gopher://localhost:7070/1/files"
        );
        assert_eq!(normalize_input("localhost:8080"), "http://localhost:8080");
        assert_eq!(normalize_input(" gopher://h/ "), "gopher://h/");
        assert_eq!(normalize_input("about:history"), "about:history");
    }

    #[test]
    fn suggestions_merge_and_dedupe() {
        let bookmarks = vec![Bookmark {
            id: 1,
            folder: String::new(),
            title: "Floodgap".into(),
            url: "gopher://floodgap.com/".into(),
        }];
        let history = vec![
            HistoryEntry {
                url: "gopher://floodgap.com/".into(),
                title: "Floodgap".into(),
                visits: 3,
                last_visit: 0,
            },
            HistoryEntry {
                url: "http://other/".into(),
                title: "Other flood".into(),
                visits: 1,
                last_visit: 0,
            },
        ];
        let s = suggest("FLOOD", &bookmarks, &history);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].1, "gopher://floodgap.com/");
        assert!(suggest("zzz", &bookmarks, &history).is_empty());
    }
}
