//! The News panel: news servers and their subscribed groups on the left (unread counts), the
//! group browser (the server's whole list, filtered as you type), the thread list of the open
//! group (virtualized, threaded, with placeholders for missing parents) and the article below
//! it, read through the mail renderer. Posting and following up happen in a window of their
//! own; a post stays in the store until the server has taken it.

use std::collections::HashMap;
use std::path::PathBuf;

use egui::{Color32, RichText};
use poll_promise::Promise;
use tokio::sync::mpsc::UnboundedSender;

use super::{Panel, PanelContext, PanelEvent, ShellAction, Toast};
use crate::link::{Link, NewsTarget, PanelKind};
use crate::mail::render::{self, Rendered, TextLine};
use crate::news::groups::GroupFilter;
use crate::news::post::{self, Concern, NewsDraft};
use crate::news::score::{self, Action, Field, Rule, Verdicts};
use crate::news::threads::{self, ThreadLine};
use crate::proto::tls::TlsMode;
use crate::secrets::Secrets;
use crate::store::Store;
use crate::store::mail::{Account, Identity, MessageRow};
use crate::store::news::{self as records, GroupEntry, Post, Subscribed};
use crate::workers::news::{self as worker, FIRST_VISIT, NewsCommand, NewsEvent};
use crate::workers::{MappedSink, Services};

/// What comes back to the panel.
#[derive(Debug)]
pub enum NewsPanelEvent {
    Worker(Box<NewsEvent>),
    Servers(Vec<Account>),
    Saved {
        account: Box<Account>,
        password: String,
    },
    Password {
        account: i64,
        password: Option<String>,
    },
    Subscribed {
        account: i64,
        groups: Vec<Subscribed>,
    },
    Groups {
        account: i64,
        groups: Vec<GroupEntry>,
    },
    Articles {
        folder: i64,
        generation: u64,
        rows: Vec<MessageRow>,
        lines: Vec<ThreadLine>,
        verdicts: Verdicts,
    },
    Rules(Vec<Rule>),
    CachedBody {
        message: i64,
        raw: Option<Vec<u8>>,
    },
    Posts {
        account: i64,
        posts: Vec<Post>,
    },
    /// A subscription made from a link: open the group when it is listed.
    OpenAfterSubscribe {
        account: i64,
        group: String,
    },
    Error(String),
}

/// Which kind of file an import read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Import {
    SlrnScore,
    Newsrc(i64),
}

/// How the article list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Conversations, newest thread first.
    Threads,
    NewestFirst,
    OldestFirst,
    Subject,
    Sender,
}

impl Order {
    const ALL: [Order; 5] = [
        Order::Threads,
        Order::NewestFirst,
        Order::OldestFirst,
        Order::Subject,
        Order::Sender,
    ];

    fn name(self) -> &'static str {
        match self {
            Order::Threads => "Threads",
            Order::NewestFirst => "Newest first",
            Order::OldestFirst => "Oldest first",
            Order::Subject => "By subject",
            Order::Sender => "By sender",
        }
    }
}

/// What a file dialog's work ended with.
enum FileDone {
    Read(Import, Result<String, String>),
    Written(Result<PathBuf, String>),
}

/// The scoring rules window: the list, and a rule being written with its live match count.
struct RuleEditor {
    field: Field,
    pattern: String,
    action: Action,
    groups: String,
    /// Days until it expires; empty for never.
    days: String,
    count: Result<usize, String>,
    counted: Option<(Field, String)>,
}

/// The server editor's fields.
struct ServerEditor {
    account: Account,
    port: String,
    password: String,
    name: String,
    address: String,
    signature: String,
    error: Option<String>,
}

impl ServerEditor {
    fn new(account: Account) -> ServerEditor {
        let identity = account.identities.first().cloned().unwrap_or_default();
        ServerEditor {
            port: account.port.to_string(),
            password: String::new(),
            name: identity.name,
            address: identity.address,
            signature: identity.signature,
            error: None,
            account,
        }
    }
}

/// The group browser: the server's list, filtered as typed.
struct Browser {
    account: i64,
    groups: Vec<GroupEntry>,
    filter: String,
    applied: String,
    new_only: bool,
    shown: Vec<usize>,
}

impl Browser {
    fn refilter(&mut self) {
        let f = GroupFilter::new(&self.filter);
        self.shown = f
            .apply(&self.groups)
            .into_iter()
            .filter(|i| !self.new_only || self.groups[*i].new)
            .collect();
        self.applied.clone_from(&self.filter);
    }
}

/// The article shown.
struct Reader {
    row: MessageRow,
    raw: Option<Vec<u8>>,
    rendered: Option<Rendered>,
    rot13: bool,
    raw_view: bool,
    raw_text: String,
    /// A binary the body carries (yEnc or uuencode), by its suggested name.
    binary: Option<String>,
}

/// The post window.
struct Poster {
    account: i64,
    draft: NewsDraft,
    /// The draft as last written to the store, and when it last changed since.
    saved: String,
    changed_at: Option<std::time::Instant>,
    concerns: Vec<Concern>,
    /// The wide crosspost was seen and accepted.
    confirmed: bool,
}

pub struct NewsPanel {
    services: Services,
    store: Store,
    secrets: Secrets,
    events: MappedSink<NewsPanelEvent, crate::ui::app::AppEvent>,
    servers: Vec<Account>,
    workers: HashMap<i64, UnboundedSender<NewsCommand>>,
    passwords: HashMap<i64, String>,
    state: HashMap<i64, String>,
    reports: HashMap<i64, Vec<String>>,
    subscribed: HashMap<i64, Vec<Subscribed>>,
    browser: Option<Browser>,
    open: Option<Subscribed>,
    rows: Vec<MessageRow>,
    lines: Vec<ThreadLine>,
    /// The thread order as the store thread made it, kept for going back to Threads.
    thread_lines: Vec<ThreadLine>,
    order: Order,
    /// Unread articles among `rows`, counted when they change, not every frame.
    unread: usize,
    /// The quick filter over subjects and senders, and the lines it leaves (indexes into
    /// `lines`), computed when the text or the rows change.
    filter: String,
    filter_applied: String,
    matches: Option<Vec<usize>>,
    rules: Vec<Rule>,
    /// What the rules made of the open group's rows.
    verdicts: Verdicts,
    show_hidden: bool,
    rule_editor: Option<RuleEditor>,
    /// The open group's charset for article text, kept per group.
    group_charset: Option<String>,
    /// Every group's chosen charset, read at start (for the headers a fetch decodes).
    charsets: HashMap<String, String>,
    file_work: Option<Promise<Option<FileDone>>>,
    generation: u64,
    /// Where the Message-ID asked of other servers came from (to fill a gap).
    asked: HashMap<String, Vec<i64>>,
    selected: Option<i64>,
    reader: Option<Reader>,
    editor: Option<ServerEditor>,
    poster: Option<Poster>,
    posts: HashMap<i64, Vec<Post>>,
    /// Fetch every article of a group on its first visit, not only the latest.
    fetch_all: bool,
    /// How many of the latest headers a first visit fetches otherwise.
    first_visit: u64,
    /// Message-IDs of articles posted in this run, marked read when they arrive.
    own_posts: std::collections::HashSet<String>,
    /// Fetching headers: the running count.
    progress: Option<u64>,
    /// Where decoded binaries go (Settings).
    download_dir: PathBuf,
    /// A group to open once a link's subscription is stored.
    open_when_listed: Option<(i64, String, Option<u64>)>,
    /// A link that named a server not yet added: opened once that server is saved.
    link_after_save: Option<Link>,
    status: String,
    actions: Vec<ShellAction>,
}

impl NewsPanel {
    pub fn from_context(ctx: &PanelContext) -> anyhow::Result<NewsPanel> {
        let servers = ctx
            .store
            .mail_wait(|c| crate::store::mail::news_servers(c))?;
        let mut panel = NewsPanel {
            services: ctx.services.clone(),
            store: ctx.store.clone(),
            secrets: ctx.secrets.clone(),
            events: ctx.sink(PanelKind::News),
            servers: Vec::new(),
            workers: HashMap::new(),
            passwords: HashMap::new(),
            state: HashMap::new(),
            reports: HashMap::new(),
            subscribed: HashMap::new(),
            browser: None,
            open: None,
            rows: Vec::new(),
            lines: Vec::new(),
            thread_lines: Vec::new(),
            order: Order::Threads,
            unread: 0,
            filter: String::new(),
            filter_applied: String::new(),
            matches: None,
            rules: ctx.store.mail_wait(|c| records::score_rules(c))?,
            verdicts: Verdicts::default(),
            show_hidden: false,
            rule_editor: None,
            group_charset: None,
            charsets: ctx
                .store
                .load_settings()?
                .into_iter()
                .filter_map(|(k, v)| {
                    let group = k.strip_prefix("news.charset.")?;
                    (!v.is_empty()).then(|| (group.to_string(), v))
                })
                .collect(),
            file_work: None,
            generation: 0,
            asked: HashMap::new(),
            selected: None,
            reader: None,
            editor: None,
            poster: None,
            posts: HashMap::new(),
            fetch_all: false,
            first_visit: FIRST_VISIT,
            own_posts: std::collections::HashSet::new(),
            progress: None,
            download_dir: ctx.settings.download_dir.clone(),
            open_when_listed: None,
            link_after_save: None,
            status: String::new(),
            actions: Vec::new(),
        };
        panel.set_servers(servers);
        // An article that was being written when Portolan stopped opens again.
        let kept = ctx.store.load_setting(DRAFT_KEY)?.unwrap_or_default();
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&kept)
            && let (Some(account), Some(draft)) = (
                v["account"].as_i64(),
                serde_json::from_value::<NewsDraft>(v["draft"].clone()).ok(),
            )
        {
            panel.poster = Some(Poster {
                account,
                draft,
                concerns: Vec::new(),
                confirmed: false,
                saved: kept,
                changed_at: None,
            });
        }
        Ok(panel)
    }

    pub fn servers(&self) -> &[Account] {
        &self.servers
    }

    /// The subscribed groups of a server.
    pub fn subscribed(&self, account: i64) -> &[Subscribed] {
        self.subscribed.get(&account).map_or(&[], Vec::as_slice)
    }

    /// The open group's articles as listed: thread order, without placeholders and without
    /// what the quick filter or the rules leave out.
    pub fn shown(&self) -> Vec<&MessageRow> {
        let all: Vec<usize>;
        let visible = if let Some(m) = &self.matches {
            m
        } else {
            all = (0..self.lines.len()).collect();
            &all
        };
        visible
            .iter()
            .filter_map(|i| self.lines.get(*i))
            .filter_map(|l| match l {
                ThreadLine::Article { index, .. } => self.rows.get(*index),
                ThreadLine::Missing { .. } => None,
            })
            .collect()
    }

    /// Shows `rows` as the open group's articles (benchmarks and tests fill the list so).
    pub fn show_rows(&mut self, group: Subscribed, rows: Vec<MessageRow>) {
        self.thread_lines = threads::lines(&rows);
        self.rows = rows;
        self.arrange();
        self.count_unread();
        self.open = Some(group);
        self.progress = None;
    }

    /// The Message-IDs of the placeholders shown for parents the server lacks.
    pub fn missing_parents(&self) -> Vec<&str> {
        self.lines
            .iter()
            .filter_map(|l| match l {
                ThreadLine::Missing { message_id } => Some(message_id.as_str()),
                ThreadLine::Article { .. } => None,
            })
            .collect()
    }

    fn set_servers(&mut self, servers: Vec<Account>) {
        for a in &servers {
            if self.workers.contains_key(&a.id) {
                continue;
            }
            self.load_subscribed(a.id);
            self.load_posts(a.id);
            if a.user.is_empty() {
                self.start_worker(a, String::new());
            } else {
                let events = self.events.clone();
                let id = a.id;
                self.secrets.get(a.secret_key(), move |password| {
                    events.send(NewsPanelEvent::Password {
                        account: id,
                        password,
                    });
                });
            }
        }
        self.servers = servers;
    }

    fn start_worker(&mut self, a: &Account, password: String) {
        if let Some(old) = self.workers.remove(&a.id) {
            let _ = old.send(NewsCommand::Stop);
        }
        self.passwords.insert(a.id, password.clone());
        let tx = worker::spawn(
            &self.services,
            self.store.clone(),
            a.clone(),
            password,
            self.events
                .clone()
                .contramap(|e| NewsPanelEvent::Worker(Box::new(e))),
        );
        self.state
            .insert(a.id, format!("connecting to {}…", a.host));
        // New groups since the last visit (the whole list on the first).
        let _ = tx.send(NewsCommand::Groups { full: false });
        self.workers.insert(a.id, tx);
    }

    fn send(&self, account: i64, command: NewsCommand) {
        if let Some(w) = self.workers.get(&account) {
            let _ = w.send(command);
        }
    }

    fn load_subscribed(&self, account: i64) {
        let events = self.events.clone();
        self.store.run(
            move |c| records::subscribed(c, account),
            move |r| match r {
                Ok(groups) => events.send(NewsPanelEvent::Subscribed { account, groups }),
                Err(e) => events.send(NewsPanelEvent::Error(format!(
                    "cannot read the subscribed groups: {e}"
                ))),
            },
        );
    }

    fn load_posts(&self, account: i64) {
        let events = self.events.clone();
        self.store.run(
            move |c| records::posts(c, account),
            move |r| {
                if let Ok(posts) = r {
                    events.send(NewsPanelEvent::Posts { account, posts });
                }
            },
        );
    }

    fn load_groups(&self, account: i64) {
        let events = self.events.clone();
        self.store.run(
            move |c| records::group_list(c, account),
            move |r| match r {
                Ok(groups) => events.send(NewsPanelEvent::Groups { account, groups }),
                Err(e) => events.send(NewsPanelEvent::Error(format!(
                    "cannot read the group list: {e}"
                ))),
            },
        );
    }

    fn open_browser(&mut self, account: i64) {
        self.browser = Some(Browser {
            account,
            groups: Vec::new(),
            filter: String::new(),
            applied: String::new(),
            new_only: false,
            shown: Vec::new(),
        });
        self.load_groups(account);
    }

    fn subscribe(&mut self, account: i64, name: String, then_open: bool) {
        let events = self.events.clone();
        let group = name.clone();
        self.store.run(
            move |c| {
                records::subscribe(c, account, &group)?;
                records::subscribed(c, account)
            },
            move |r| match r {
                Ok(groups) => {
                    events.send(NewsPanelEvent::Subscribed { account, groups });
                    if then_open {
                        events.send(NewsPanelEvent::OpenAfterSubscribe {
                            account,
                            group: name,
                        });
                    }
                }
                Err(e) => events.send(NewsPanelEvent::Error(format!("cannot subscribe: {e}"))),
            },
        );
    }

    fn unsubscribe(&mut self, g: &Subscribed) {
        let (account, folder) = (g.folder.account, g.folder.id);
        if self.open.as_ref().is_some_and(|o| o.folder.id == folder) {
            self.open = None;
            self.rows.clear();
            self.unread = 0;
            self.lines.clear();
            self.reader = None;
        }
        let events = self.events.clone();
        self.store.run(
            move |c| {
                records::unsubscribe(c, folder)?;
                records::subscribed(c, account)
            },
            move |r| {
                if let Ok(groups) = r {
                    events.send(NewsPanelEvent::Subscribed { account, groups });
                }
            },
        );
    }

    fn open_group(&mut self, g: Subscribed) {
        self.group_charset = self.charsets.get(&g.folder.name).cloned();
        self.fetch_headers(&g);
        self.open = Some(g);
        self.rows.clear();
        self.unread = 0;
        self.lines.clear();
        self.reader = None;
        self.selected = None;
        self.progress = Some(0);
        self.reload();
    }

    /// Asks the group's server for its new headers.
    fn fetch_headers(&self, g: &Subscribed) {
        let first_visit = if self.fetch_all {
            None
        } else {
            Some(self.first_visit)
        };
        self.send(
            g.folder.account,
            NewsCommand::Open {
                folder: g.folder.id,
                name: g.folder.name.clone(),
                first_visit,
                charset: self.charsets.get(&g.folder.name).cloned(),
            },
        );
    }

    fn reload(&mut self) {
        let Some(g) = &self.open else { return };
        self.generation += 1;
        let (folder, generation) = (g.folder.id, self.generation);
        let (group, rules) = (g.folder.name.clone(), self.rules.clone());
        let events = self.events.clone();
        self.store.run(
            move |c| records::articles(c, folder),
            move |r| match r {
                Ok(rows) => {
                    // Threading and scoring run here, on the store thread, never in a frame.
                    let lines = threads::lines(&rows);
                    let verdicts = score::judge(&rules, &group, &rows, unix_now());
                    events.send(NewsPanelEvent::Articles {
                        folder,
                        generation,
                        rows,
                        lines,
                        verdicts,
                    });
                }
                Err(e) => events.send(NewsPanelEvent::Error(format!("cannot read the group: {e}"))),
            },
        );
    }

    fn refresh_subscribed(&self, account: i64) {
        self.load_subscribed(account);
    }

    fn show_article(&mut self, row: &MessageRow) {
        self.selected = Some(row.id);
        let message = row.id;
        self.reader = Some(Reader {
            row: row.clone(),
            raw: None,
            rendered: None,
            rot13: false,
            raw_view: false,
            raw_text: String::new(),
            binary: None,
        });
        if !row.seen
            && let Some(g) = &self.open
        {
            self.mark(g.folder.id, &[u64::from(row.uid)], true);
        }
        let events = self.events.clone();
        self.store.run(
            move |c| crate::store::mail::body(c, message),
            move |r| {
                events.send(NewsPanelEvent::CachedBody {
                    message,
                    raw: r.ok().flatten(),
                });
            },
        );
    }

    /// The list's lines in the chosen order: the threads as made, or every article flat,
    /// sorted (on a change of rows or order, never in a frame).
    fn arrange(&mut self) {
        if self.order == Order::Threads {
            self.lines.clone_from(&self.thread_lines);
            return;
        }
        let rows = &self.rows;
        let mut idx: Vec<usize> = (0..rows.len()).collect();
        match self.order {
            Order::NewestFirst => {
                idx.sort_by_key(|i| std::cmp::Reverse((rows[*i].date, rows[*i].uid)));
            }
            Order::OldestFirst => idx.sort_by_key(|i| (rows[*i].date, rows[*i].uid)),
            Order::Subject => idx.sort_by_cached_key(|i| {
                (
                    crate::mail::compose::reply::base_subject(&rows[*i].subject).to_lowercase(),
                    rows[*i].date,
                )
            }),
            Order::Sender => {
                idx.sort_by_cached_key(|i| (rows[*i].from_name.to_lowercase(), rows[*i].date));
            }
            Order::Threads => {}
        }
        self.lines = idx
            .into_iter()
            .map(|index| ThreadLine::Article { index, depth: 0 })
            .collect();
    }

    fn count_unread(&mut self) {
        self.unread = self.rows.iter().filter(|r| !r.seen).count();
        self.refilter();
    }

    /// The lines shown: without what the rules hide (unless shown), and with every word of
    /// the quick filter in the subject or the sender.
    fn refilter(&mut self) {
        self.filter_applied.clone_from(&self.filter);
        let words: Vec<String> = self
            .filter
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let hiding = !self.show_hidden && !self.verdicts.hidden.is_empty();
        if words.is_empty() && !hiding {
            self.matches = None;
            return;
        }
        self.matches = Some(
            self.lines
                .iter()
                .enumerate()
                .filter(|(_, l)| match l {
                    ThreadLine::Article { index, .. } => self.rows.get(*index).is_some_and(|r| {
                        if hiding && self.verdicts.hidden.contains(&r.id) {
                            return false;
                        }
                        if words.is_empty() {
                            return true;
                        }
                        // Per word, without a string made per row: 100,000 rows a keystroke.
                        words.iter().all(|w| {
                            [&r.subject, &r.from_name, &r.from_addr]
                                .iter()
                                .any(|f| crate::news::groups::contains_folded(f, w))
                        })
                    }),
                    ThreadLine::Missing { .. } => words.is_empty(),
                })
                .map(|(i, _)| i)
                .collect(),
        );
    }

    /// The first Message-ID of the thread `row` is in (its root, present or not).
    fn thread_root(row: &MessageRow) -> Option<String> {
        row.refs
            .split_whitespace()
            .next()
            .map(str::to_string)
            .or_else(|| row.message_id.clone())
    }

    /// Watches (highlights) or ignores (hides) the thread of `row`, for this group.
    fn rule_for_thread(&mut self, row: &MessageRow, action: Action) {
        let Some(root) = Self::thread_root(row) else {
            return;
        };
        let group = self
            .open
            .as_ref()
            .map(|g| g.folder.name.clone())
            .unwrap_or_default();
        self.add_rules(vec![Rule {
            id: 0,
            groups: group,
            field: Field::Thread,
            pattern: format!("^{}$", regex::escape(root.trim_matches(['<', '>']))),
            action,
            expires: None,
        }]);
    }

    fn add_rules(&mut self, rules: Vec<Rule>) {
        let events = self.events.clone();
        self.store.run(
            move |c| {
                for r in &rules {
                    records::save_score_rule(c, r)?;
                }
                records::score_rules(c)
            },
            move |r| match r {
                Ok(rules) => events.send(NewsPanelEvent::Rules(rules)),
                Err(e) => events.send(NewsPanelEvent::Error(format!("cannot keep the rule: {e}"))),
            },
        );
    }

    fn delete_rule(&mut self, id: i64) {
        let events = self.events.clone();
        self.store.run(
            move |c| {
                records::delete_score_rule(c, id)?;
                records::score_rules(c)
            },
            move |r| {
                if let Ok(rules) = r {
                    events.send(NewsPanelEvent::Rules(rules));
                }
            },
        );
    }

    /// Reads a file the user picks through the desktop's dialog, off the frame.
    fn import_file(&mut self, what: Import) {
        self.file_work = Some(Promise::spawn_thread("news-import", move || {
            let path = rfd::FileDialog::new().pick_file()?;
            let text = std::fs::read(&path)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .map_err(|e| format!("cannot read {}: {e}", path.display()));
            Some(FileDone::Read(what, text))
        }));
    }

    /// Writes the server's subscriptions and read ranges as a `.newsrc` where the user says.
    fn export_newsrc(&mut self, account: i64) {
        let store = self.store.clone();
        self.file_work = Some(Promise::spawn_thread("news-export", move || {
            let path = rfd::FileDialog::new()
                .set_file_name(".newsrc")
                .save_file()?;
            let result = store
                .mail_wait(move |c| records::newsrc(c, account))
                .map_err(|e| e.to_string())
                .and_then(|entries| {
                    std::fs::write(&path, crate::news::ranges::write_newsrc(&entries))
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))
                })
                .map(|()| path);
            Some(FileDone::Written(result))
        }));
    }

    fn poll_file_work(&mut self) {
        let Some(p) = &self.file_work else { return };
        let Some(done) = p.ready() else { return };
        match done {
            Some(FileDone::Read(what, text)) => {
                let (what, text) = (*what, text.clone());
                self.file_work = None;
                self.imported(what, text);
                return;
            }
            Some(FileDone::Written(Ok(path))) => self.actions.push(ShellAction::Toast(
                Toast::Success(format!("Saved {}", path.display())),
            )),
            Some(FileDone::Written(Err(e))) => {
                self.actions
                    .push(ShellAction::Toast(Toast::Error(e.clone())));
            }
            None => {}
        }
        self.file_work = None;
    }

    fn imported(&mut self, what: Import, text: Result<String, String>) {
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                self.actions.push(ShellAction::Toast(Toast::Error(e)));
                return;
            }
        };
        match what {
            Import::SlrnScore => {
                let (rules, skipped) = score::import_slrn(&text);
                let n = rules.len();
                self.add_rules(rules);
                self.actions.push(ShellAction::Toast(Toast::Info(format!(
                    "{n} rule(s) imported; {skipped} line(s) of the score file were not understood"
                ))));
            }
            Import::Newsrc(account) => {
                let entries = crate::news::ranges::parse_newsrc(&text);
                let events = self.events.clone();
                self.store.run(
                    move |c| {
                        let n = records::import_newsrc(c, account, &entries)?;
                        Ok::<_, rusqlite::Error>((n, records::subscribed(c, account)?))
                    },
                    move |r| match r {
                        Ok((_, groups)) => {
                            events.send(NewsPanelEvent::Subscribed { account, groups });
                        }
                        Err(e) => events.send(NewsPanelEvent::Error(format!(
                            "cannot import the .newsrc: {e}"
                        ))),
                    },
                );
            }
        }
    }

    fn mark(&mut self, folder: i64, numbers: &[u64], read: bool) {
        let wanted: std::collections::HashSet<u64> = numbers.iter().copied().collect();
        for r in &mut self.rows {
            if r.folder == folder && wanted.contains(&u64::from(r.uid)) {
                r.seen = read;
            }
        }
        self.count_unread();
        let numbers = numbers.to_vec();
        let account = self.open.as_ref().map_or(0, |g| g.folder.account);
        let events = self.events.clone();
        self.store.run(
            move |c| {
                records::mark(c, folder, &numbers, read)?;
                records::subscribed(c, account)
            },
            move |r| {
                if let Ok(groups) = r {
                    events.send(NewsPanelEvent::Subscribed { account, groups });
                }
            },
        );
    }

    fn catch_up(&mut self, g: &Subscribed) {
        let (folder, account) = (g.folder.id, g.folder.account);
        if self.open.as_ref().is_some_and(|o| o.folder.id == folder) {
            for r in &mut self.rows {
                r.seen = true;
            }
            self.unread = 0;
        }
        let events = self.events.clone();
        self.store.run(
            move |c| {
                records::catch_up(c, folder)?;
                records::subscribed(c, account)
            },
            move |r| {
                if let Ok(groups) = r {
                    events.send(NewsPanelEvent::Subscribed { account, groups });
                }
            },
        );
    }

    fn mark_thread(&mut self, from_line: usize, read: bool) {
        let Some(g) = &self.open else { return };
        let folder = g.folder.id;
        // The thread is this line's run down to the next line at depth 0.
        let start = (0..=from_line)
            .rev()
            .find(|i| match &self.lines[*i] {
                ThreadLine::Article { depth, .. } => *depth == 0,
                ThreadLine::Missing { .. } => true,
            })
            .unwrap_or(0);
        let mut numbers = Vec::new();
        for (i, line) in self.lines.iter().enumerate().skip(start) {
            if i > start
                && matches!(
                    line,
                    ThreadLine::Missing { .. } | ThreadLine::Article { depth: 0, .. }
                )
            {
                break;
            }
            if let ThreadLine::Article { index, .. } = line
                && let Some(r) = self.rows.get(*index)
            {
                numbers.push(u64::from(r.uid));
            }
        }
        self.mark(folder, &numbers, read);
    }

    fn set_body(&mut self, message: i64, raw: Vec<u8>) {
        let Some(reader) = &mut self.reader else {
            return;
        };
        if reader.row.id != message {
            return;
        }
        // The group's charset, for articles that name none or the wrong one.
        let rendered = match &self.group_charset {
            Some(cs) => render::render(&render::with_charset(&raw, cs)),
            None => render::render(&raw),
        };
        reader.raw_text = String::from_utf8_lossy(&raw).into_owned();
        reader.binary = binary_name(&raw);
        reader.rendered = Some(rendered);
        reader.raw = Some(raw);
    }

    fn fetch_body(&self, row: &MessageRow) {
        let Some(g) = &self.open else { return };
        self.send(
            g.folder.account,
            NewsCommand::Article {
                message: row.id,
                group: g.folder.name.clone(),
                number: u64::from(row.uid),
                message_id: row.message_id.clone(),
            },
        );
    }

    /// Asks every server, this one first, for a parent the group lacks.
    fn fill_gap(&mut self, message_id: String) {
        let mut order: Vec<i64> = self.servers.iter().map(|s| s.id).collect();
        if let Some(g) = &self.open {
            order.retain(|s| *s != g.folder.account);
            order.insert(0, g.folder.account);
        }
        let Some(first) = order.first().copied() else {
            return;
        };
        self.status = format!("looking for <{message_id}> on {} server(s)…", order.len());
        self.asked.insert(message_id.clone(), order[1..].to_vec());
        self.send(first, NewsCommand::ById { message_id });
    }

    fn identity_of(&self, account: i64) -> Identity {
        self.servers
            .iter()
            .find(|s| s.id == account)
            .and_then(|s| s.identities.first().cloned())
            .unwrap_or_default()
    }

    fn sender_of(&self, account: i64) -> String {
        let i = self.identity_of(account);
        if i.address.is_empty() {
            String::new()
        } else {
            crate::mail::compose::address::display(&i.name, &i.address)
        }
    }

    fn new_post(&mut self, account: i64) {
        let newsgroups = self
            .open
            .as_ref()
            .map(|g| g.folder.name.clone())
            .unwrap_or_default();
        let signature = self.identity_of(account).signature;
        self.poster = Some(Poster {
            account,
            draft: NewsDraft {
                from: self.sender_of(account),
                newsgroups,
                body: format!(
                    "\n{}",
                    crate::mail::compose::reply::signature_block(&signature)
                ),
                ..NewsDraft::default()
            },
            concerns: Vec::new(),
            confirmed: false,
            saved: String::new(),
            changed_at: None,
        });
    }

    fn follow_up(&mut self) {
        let Some(reader) = &self.reader else { return };
        let Some(raw) = reader.raw.clone() else {
            return;
        };
        let account = self.open.as_ref().map_or(0, |g| g.folder.account);
        let identity = self.identity_of(account);
        let (draft, by_mail) = post::followup(&raw, &self.sender_of(account), &identity.signature);
        if by_mail {
            self.reply_by_mail();
            self.actions.push(ShellAction::Toast(Toast::Info(
                "The author asked for answers by mail (Followup-To: poster).".into(),
            )));
            return;
        }
        self.poster = Some(Poster {
            account,
            draft,
            concerns: Vec::new(),
            confirmed: false,
            saved: String::new(),
            changed_at: None,
        });
    }

    fn reply_by_mail(&mut self) {
        let Some(reader) = &self.reader else { return };
        let Some(raw) = &reader.raw else { return };
        let original = crate::mail::compose::reply::Original::from_raw(0, raw);
        let to = original
            .reply_to
            .first()
            .or(original.from.first())
            .cloned()
            .unwrap_or_default();
        let mailto = crate::link::Mailto {
            to: vec![to],
            subject: Some(crate::mail::compose::reply::reply_subject(
                &original.subject,
            )),
            body: Some(crate::mail::compose::reply::quoted(&original)),
            in_reply_to: original.message_id.map(|m| format!("<{m}>")),
            ..crate::link::Mailto::default()
        };
        self.actions.push(ShellAction::Open(Link::Mailto(mailto)));
    }

    fn cancel_article(&mut self) {
        let Some(reader) = &self.reader else { return };
        let Some(g) = &self.open else { return };
        let account = g.folder.account;
        let from = self.sender_of(account);
        let mine = self.identity_of(account).address;
        if mine.is_empty() || !reader.row.from_addr.eq_ignore_ascii_case(&mine) {
            self.actions.push(ShellAction::Toast(Toast::Warning(
                "Only your own articles can be cancelled.".into(),
            )));
            return;
        }
        let Some(id) = reader.row.message_id.clone() else {
            return;
        };
        let Some(raw) = post::cancel(&from, &g.folder.name, &id, std::time::SystemTime::now())
        else {
            return;
        };
        self.queue_post(
            account,
            g.folder.name.clone(),
            format!("cancel <{id}>"),
            raw,
        );
    }

    fn queue_post(&mut self, account: i64, newsgroups: String, subject: String, raw: Vec<u8>) {
        let events = self.events.clone();
        let sender = self.workers.get(&account).cloned();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        self.store.run(
            move |c| {
                let id = records::queue_post(c, account, &newsgroups, &subject, &raw, now)?;
                Ok::<_, rusqlite::Error>((id, raw, records::posts(c, account)?))
            },
            move |r| match r {
                Ok((post, raw, posts)) => {
                    if let Some(w) = sender {
                        let _ = w.send(NewsCommand::Post { post, raw });
                    }
                    events.send(NewsPanelEvent::Posts { account, posts });
                }
                Err(e) => events.send(NewsPanelEvent::Error(format!("cannot keep the post: {e}"))),
            },
        );
        self.status = "posting…".into();
    }

    fn send_post(&mut self) {
        let Some(p) = &mut self.poster else { return };
        p.concerns = post::concerns(&p.draft);
        let blocking = p.concerns.iter().any(Concern::blocks);
        let wide = p
            .concerns
            .iter()
            .any(|c| matches!(c, Concern::WideCrosspost(_)));
        if blocking || (wide && !p.confirmed) {
            p.confirmed = wide;
            return;
        }
        match post::build(&p.draft, std::time::SystemTime::now()) {
            Ok((raw, id)) => {
                // One's own article comes back read, as it was written here.
                self.own_posts
                    .insert(id.trim_matches(['<', '>']).to_string());
                let (account, groups, subject) = (
                    p.account,
                    p.draft.newsgroups.clone(),
                    p.draft.subject.clone(),
                );
                self.poster = None;
                self.forget_draft();
                self.queue_post(account, groups, subject, raw);
            }
            Err(concerns) => p.concerns = concerns,
        }
    }

    /// Keeps the charset chosen for the open group and shows the article in it.
    fn charset_chosen(&mut self) {
        let Some(g) = &self.open else { return };
        let value = self.group_charset.clone().unwrap_or_default();
        if value.is_empty() {
            self.charsets.remove(&g.folder.name);
        } else {
            self.charsets.insert(g.folder.name.clone(), value.clone());
        }
        self.store.set_setting(
            &charset_key(&g.folder.name),
            value,
            crate::store::api::ignore,
        );
        if let Some(r) = &self.reader
            && let Some(raw) = r.raw.clone()
        {
            let id = r.row.id;
            self.set_body(id, raw);
        }
    }

    /// Decodes the binary of the article shown into the download folder, as an Activity job:
    /// every part of a multi-part yEnc post, found by its subject's `(n/N)`.
    fn save_binary(&mut self) {
        let Some(reader) = &self.reader else { return };
        let Some(g) = &self.open else { return };
        let Some(server) = self.servers.iter().find(|s| s.id == g.folder.account) else {
            return;
        };
        let name = reader.binary.clone().unwrap_or_else(|| "file.bin".into());
        let row = &reader.row;
        let rows: Vec<(u64, String)> = self
            .rows
            .iter()
            .map(|r| (u64::from(r.uid), r.subject.clone()))
            .collect();
        let articles = match crate::workers::news_binary::sibling_parts(&row.subject, &rows) {
            Some((total, parts)) if total > 1 => {
                if parts.len() < total as usize {
                    self.actions.push(ShellAction::Toast(Toast::Warning(format!(
                        "{} of {total} parts are listed in this group; the file may come out \
                         incomplete",
                        parts.len()
                    ))));
                }
                parts
            }
            _ => vec![u64::from(row.uid)],
        };
        let password = self.passwords.get(&server.id).cloned().unwrap_or_default();
        self.actions.push(ShellAction::StartJob(
            crate::workers::job_spec::JobSpec::NewsBinary {
                job: crate::workers::news_binary::BinaryJob {
                    server: worker::login_of(server, &password),
                    group: g.folder.name.clone(),
                    articles,
                    name,
                },
                folder: self.download_dir.clone(),
            },
        ));
    }

    fn on_worker(&mut self, event: NewsEvent) {
        match event {
            NewsEvent::Connected {
                account,
                tls,
                posting,
                report,
            } => {
                let mut state = if tls {
                    "connected (TLS)"
                } else {
                    "connected (not encrypted)"
                }
                .to_string();
                if !posting {
                    state.push_str(", no posting");
                }
                self.state.insert(account, state);
                self.reports.insert(account, report);
            }
            NewsEvent::Groups { account, fresh } => {
                if fresh > 0 {
                    self.actions.push(ShellAction::Toast(Toast::Info(format!(
                        "{fresh} new group(s) since the last visit"
                    ))));
                }
                if self.browser.as_ref().is_some_and(|b| b.account == account) {
                    self.load_groups(account);
                }
                self.refresh_subscribed(account);
            }
            NewsEvent::Progress { folder, stored } => {
                if self.open.as_ref().is_some_and(|g| g.folder.id == folder) {
                    self.progress = Some(stored);
                    // The list fills while the rest arrives.
                    if stored > 0 && self.rows.is_empty() {
                        self.reload();
                    }
                }
            }
            NewsEvent::Opened {
                folder,
                stats,
                left_out,
            } => {
                if self.open.as_ref().is_some_and(|g| g.folder.id == folder) {
                    self.progress = None;
                    let skipped = stats.malformed + stats.overlong;
                    self.status = match (stats.read, skipped + left_out as u64) {
                        (0, 0) => "no new articles".into(),
                        (n, 0) => format!("{n} new article(s)"),
                        (n, s) => {
                            format!("{n} new article(s); {s} header line(s) could not be read")
                        }
                    };
                    self.reload();
                }
                if let Some(g) = &self.open {
                    self.refresh_subscribed(g.folder.account);
                }
            }
            NewsEvent::Article { message, raw } => self.set_body(message, raw),
            NewsEvent::ById {
                account: _,
                message_id,
                raw,
            } => {
                if let Some(raw) = raw {
                    self.asked.remove(&message_id);
                    self.status = format!("found <{message_id}>");
                    let summary = crate::mail::Summary::from_header(&raw);
                    let row = MessageRow {
                        id: -1,
                        subject: summary.subject.clone(),
                        from_name: summary.from_name.clone(),
                        from_addr: summary.from_address.clone(),
                        date: summary.date,
                        message_id: summary.message_id.clone(),
                        seen: true,
                        ..MessageRow::default()
                    };
                    self.reader = Some(Reader {
                        row,
                        raw: None,
                        rendered: None,
                        rot13: false,
                        raw_view: false,
                        raw_text: String::new(),
                        binary: None,
                    });
                    self.set_body(-1, raw);
                } else {
                    let next = self
                        .asked
                        .get_mut(&message_id)
                        .and_then(|rest| (!rest.is_empty()).then(|| rest.remove(0)));
                    if let Some(server) = next {
                        self.send(server, NewsCommand::ById { message_id });
                    } else {
                        self.asked.remove(&message_id);
                        self.status = format!("no server has <{message_id}>");
                    }
                }
            }
            NewsEvent::Posted {
                account,
                post: _,
                reply,
            } => {
                self.status = format!("posted: {reply}");
                self.actions.push(ShellAction::Toast(Toast::Success(format!(
                    "The server took the article: {reply}"
                ))));
                self.load_posts(account);
                if let Some(g) = self.open.clone().filter(|g| g.folder.account == account) {
                    // Fetch it back, so the poster sees it in the thread.
                    self.send(
                        account,
                        NewsCommand::Open {
                            folder: g.folder.id,
                            name: g.folder.name.clone(),
                            first_visit: Some(FIRST_VISIT),
                            charset: self.charsets.get(&g.folder.name).cloned(),
                        },
                    );
                }
            }
            NewsEvent::PostRefused {
                account,
                post: _,
                error,
            } => {
                self.status = "the server refused the post; it is kept under Posts".into();
                self.actions
                    .push(ShellAction::Toast(Toast::Error(error.clone())));
                self.load_posts(account);
            }
            NewsEvent::Error { account, error } | NewsEvent::Failed { account, error } => {
                self.state.insert(account, format!("error: {error}"));
                self.progress = None;
                self.actions.push(ShellAction::Toast(Toast::Error(error)));
            }
            NewsEvent::Untrusted { account, rejection } => {
                self.state
                    .insert(account, "the certificate is not trusted".into());
                // The worker stopped: nothing is being fetched until the trust is given.
                if self
                    .open
                    .as_ref()
                    .is_some_and(|g| g.folder.account == account)
                {
                    self.progress = None;
                }
                self.actions.push(ShellAction::Untrusted {
                    retry: account as u64,
                    rejection,
                });
            }
        }
    }

    fn save_editor(&mut self) {
        let Some(ed) = &mut self.editor else { return };
        let Ok(port) = ed.port.trim().parse::<u16>() else {
            ed.error = Some("The port must be a number from 1 to 65535.".into());
            return;
        };
        if ed.account.host.trim().is_empty() {
            ed.error = Some("Type the news server's name.".into());
            return;
        }
        let mut account = ed.account.clone();
        account.kind = "nntp".into();
        account.port = port;
        account.host = account.host.trim().to_string();
        account.user = account.user.trim().to_string();
        if account.name.trim().is_empty() {
            account.name.clone_from(&account.host);
        }
        account.identities = vec![Identity {
            name: ed.name.trim().to_string(),
            address: ed.address.trim().to_string(),
            signature: ed.signature.clone(),
        }];
        let password = ed.password.clone();
        let events = self.events.clone();
        let saved = account.clone();
        self.store.save_account(account, move |r| match r {
            Ok(id) => events.send(NewsPanelEvent::Saved {
                account: Box::new(Account { id, ..saved }),
                password,
            }),
            Err(e) => events.send(NewsPanelEvent::Error(format!(
                "cannot save the server: {e}"
            ))),
        });
        self.editor = None;
    }

    fn after_save(&mut self, account: &Account, password: String) {
        let id = account.id;
        if !account.user.is_empty() && !password.is_empty() {
            let events = self.events.clone();
            self.secrets
                .set(account.secret_key(), password.clone(), move |r| {
                    if let Err(e) = r {
                        events.send(NewsPanelEvent::Error(format!(
                            "the password could not be kept: {e}"
                        )));
                    }
                });
        }
        let known = self.passwords.get(&id).cloned().unwrap_or_default();
        let password = if password.is_empty() { known } else { password };
        if let Some(old) = self.servers.iter_mut().find(|s| s.id == id) {
            *old = account.clone();
        } else {
            self.servers.push(account.clone());
            self.load_subscribed(id);
        }
        self.start_worker(account, password);
        // The link that asked for this server goes on to its group or article.
        if let Some(link) = self.link_after_save.take() {
            let names_this = match &link {
                Link::News {
                    server: Some(s), ..
                } => serves(account, s),
                _ => true,
            };
            if names_this {
                self.open_link(&link);
            }
        }
    }

    fn sidebar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.heading("News");
            if ui.button("➕ Add server").clicked() {
                self.editor = Some(ServerEditor::new(Account {
                    kind: "nntp".into(),
                    port: 119,
                    tls: TlsMode::IfOffered.name().into(),
                    ..Account::default()
                }));
            }
        });
        if self.servers.is_empty() {
            ui.label("No news server yet: add one to browse its groups.");
            return;
        }
        let mut open = None;
        let mut browse = None;
        let mut edit = None;
        let mut catch_up = None;
        let mut unsubscribe = None;
        let mut refresh = None;
        egui::ScrollArea::vertical()
            .id_salt("news-groups")
            .show(ui, |ui| {
                for server in &self.servers {
                    ui.separator();
                    ui.horizontal(|ui| {
                        ui.label(RichText::new(&server.name).strong());
                        if ui
                            .small_button("⚙")
                            .on_hover_text("Server settings")
                            .clicked()
                        {
                            edit = Some(server.clone());
                        }
                    });
                    if let Some(state) = self.state.get(&server.id) {
                        ui.label(RichText::new(state).small().weak());
                    }
                    ui.horizontal(|ui| {
                        if ui.button("Browse groups…").clicked() {
                            browse = Some(server.id);
                        }
                        if ui
                            .button("⟳")
                            .on_hover_text("Check for new groups and articles")
                            .clicked()
                        {
                            refresh = Some(server.id);
                        }
                    });
                    let groups = self
                        .subscribed
                        .get(&server.id)
                        .map_or(&[][..], Vec::as_slice);
                    if groups.is_empty() {
                        ui.label(
                            RichText::new(
                                "No subscribed group: browse the server's groups to find one.",
                            )
                            .weak(),
                        );
                    }
                    for g in groups {
                        let unread = g.unread();
                        let label = if unread > 0 {
                            RichText::new(format!("{}  ({unread})", g.folder.name)).strong()
                        } else {
                            RichText::new(&g.folder.name)
                        };
                        let is_open = self
                            .open
                            .as_ref()
                            .is_some_and(|o| o.folder.id == g.folder.id);
                        let r = ui.selectable_label(is_open, label);
                        if r.clicked() {
                            open = Some(g.clone());
                        }
                        r.context_menu(|ui| {
                            if ui.button("Catch up (mark all read)").clicked() {
                                catch_up = Some(g.clone());
                                ui.close();
                            }
                            if ui.button("Unsubscribe").clicked() {
                                unsubscribe = Some(g.clone());
                                ui.close();
                            }
                        });
                    }
                    let posts = self.posts.get(&server.id).map_or(&[][..], Vec::as_slice);
                    if !posts.is_empty() {
                        ui.label(RichText::new("Posts").strong());
                        for p in posts {
                            let text = if p.state == "refused" {
                                format!("⚠ {} — refused: {}", p.subject, p.error)
                            } else {
                                format!("⏳ {}", p.subject)
                            };
                            ui.label(RichText::new(text).small());
                        }
                    }
                }
            });
        if let Some(g) = open {
            self.open_group(g);
        }
        if let Some(a) = browse {
            self.open_browser(a);
        }
        if let Some(a) = edit {
            self.editor = Some(ServerEditor::new(a));
        }
        if let Some(g) = catch_up {
            self.catch_up(&g);
        }
        if let Some(g) = unsubscribe {
            self.unsubscribe(&g);
        }
        if let Some(a) = refresh {
            self.send(a, NewsCommand::Groups { full: false });
            if let Some(g) = self.open.clone().filter(|g| g.folder.account == a) {
                self.open_group(g);
            }
        }
    }

    fn toolbar(&mut self, ui: &mut egui::Ui) {
        let Some(g) = self.open.clone() else { return };
        ui.horizontal(|ui| {
            ui.heading(&g.folder.name);
            if ui.button("⟳ Get new").clicked() {
                self.open_group(g.clone());
            }
            if ui.button("✏ Post").clicked() {
                self.new_post(g.folder.account);
            }
            if ui.button("Catch up").clicked() {
                self.catch_up(&g);
            }
            ui.checkbox(&mut self.fetch_all, "All on a first visit")
                .on_hover_text(
                    "A group opened for the first time fetches every header, not only the latest",
                );
            if !self.fetch_all {
                let l = ui.label("else the latest");
                ui.add(
                    egui::DragValue::new(&mut self.first_visit)
                        .range(10..=1_000_000)
                        .speed(10.0),
                )
                .labelled_by(l.id);
            }
            if let Some(n) = self.progress {
                ui.spinner();
                ui.label(format!("{n} headers"));
            }
        });
        ui.horizontal(|ui| {
            let order_label = ui.label("Order");
            let before = self.order;
            egui::ComboBox::from_id_salt("news-order")
                .selected_text(self.order.name())
                .show_ui(ui, |ui| {
                    for o in Order::ALL {
                        ui.selectable_value(&mut self.order, o, o.name());
                    }
                })
                .response
                .labelled_by(order_label.id);
            if self.order != before {
                self.arrange();
                self.refilter();
            }
            let l = ui.label("Filter");
            ui.add(
                egui::TextEdit::singleline(&mut self.filter)
                    .hint_text("words in the subject or sender")
                    .desired_width(260.0),
            )
            .labelled_by(l.id);
            if let Some(m) = &self.matches {
                ui.label(format!("{} of {}", m.len(), self.rows.len()));
            }
            if ui
                .button("Rules…")
                .on_hover_text("Scoring and killfile rules: hide or highlight articles")
                .clicked()
            {
                self.open_rules();
            }
            let hidden = self.verdicts.hidden.len();
            if hidden > 0
                && ui
                    .toggle_value(&mut self.show_hidden, format!("Show {hidden} hidden"))
                    .changed()
            {
                self.filter_applied.clear();
            }
        });
        if self.filter != self.filter_applied {
            self.refilter();
        }
    }

    fn thread_list(&mut self, ui: &mut egui::Ui) {
        use egui_extras::{Column, TableBuilder};
        if self.open.is_none() {
            ui.label(
                "Choose a group on the left, or browse a server's groups to subscribe to one.",
            );
            return;
        }
        if self.lines.is_empty() {
            ui.label(if self.progress.is_some() {
                "Fetching headers…"
            } else {
                "No articles in this group."
            });
            return;
        }
        let row_h = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
        let date_w = 120.0;
        let rest = (ui.available_width() - date_w - 30.0).max(200.0);
        let from_w = (rest * 0.3).clamp(90.0, 240.0);
        let subject_w = rest - from_w;
        let mut clicked = None;
        let mut gap = None;
        let mut thread_read = None;
        let mut thread_rule: Option<(MessageRow, Action)> = None;
        // Per group, so each group's list opens at its top.
        let salt = (
            "news-threads",
            self.open.as_ref().map_or(0, |g| g.folder.id),
        );
        TableBuilder::new(ui)
            .id_salt(salt)
            .striped(true)
            .sense(egui::Sense::click())
            .column(Column::exact(subject_w).clip(true))
            .column(Column::exact(from_w).clip(true))
            .column(Column::exact(date_w))
            .header(row_h, |mut h| {
                for t in ["Subject", "From", "Date"] {
                    h.col(|ui| {
                        ui.strong(t);
                    });
                }
            })
            .body(|body| {
                let shown = self.matches.as_ref().map_or(self.lines.len(), Vec::len);
                body.rows(row_h, shown, |mut row| {
                    let i = match &self.matches {
                        Some(m) => m.get(row.index()).copied().unwrap_or(0),
                        None => row.index(),
                    };
                    let Some(line) = self.lines.get(i) else {
                        return;
                    };
                    match line {
                        ThreadLine::Missing { message_id } => {
                            row.col(|ui| {
                                let r = ui.add(
                                    egui::Label::new(
                                        RichText::new("(an article this server does not have)")
                                            .italics()
                                            .weak(),
                                    )
                                    .truncate()
                                    .sense(egui::Sense::click()),
                                );
                                if r.on_hover_text("Click to look for it on your servers")
                                    .clicked()
                                {
                                    gap = Some(message_id.clone());
                                }
                            });
                            row.col(|_| {});
                            row.col(|_| {});
                        }
                        ThreadLine::Article { index, depth } => {
                            let Some(m) = self.rows.get(*index) else {
                                return;
                            };
                            row.set_selected(self.selected == Some(m.id));
                            let highlighted = self.verdicts.highlighted.contains(&m.id);
                            let hidden = self.verdicts.hidden.contains(&m.id);
                            let text = |t: String| {
                                let mut t = RichText::new(t);
                                if !m.seen {
                                    t = t.strong();
                                }
                                if highlighted {
                                    t = t.color(Color32::from_rgb(0xe0, 0xb0, 0x30));
                                } else if hidden {
                                    t = t.strikethrough();
                                }
                                t
                            };
                            row.col(|ui| {
                                let indent = if *depth > 0 {
                                    format!("{}↳ ", "  ".repeat(usize::from((*depth).min(12)) - 1))
                                } else {
                                    String::new()
                                };
                                let subject = if m.subject.is_empty() {
                                    "(no subject)"
                                } else {
                                    &m.subject
                                };
                                ui.add(
                                    egui::Label::new(text(format!("{indent}{subject}")))
                                        .selectable(false)
                                        .truncate(),
                                );
                            });
                            row.col(|ui| {
                                ui.add(
                                    egui::Label::new(text(m.from_name.clone()))
                                        .selectable(false)
                                        .truncate(),
                                );
                            });
                            row.col(|ui| {
                                ui.label(
                                    m.date
                                        .map(crate::mail::when::local_short)
                                        .unwrap_or_default(),
                                );
                            });
                            let r = row.response();
                            if r.clicked() {
                                clicked = Some(m.clone());
                            }
                            r.context_menu(|ui| {
                                if ui.button("Mark thread read").clicked() {
                                    thread_read = Some((i, true));
                                    ui.close();
                                }
                                if ui.button("Mark thread unread").clicked() {
                                    thread_read = Some((i, false));
                                    ui.close();
                                }
                                if ui.button("Watch thread").clicked() {
                                    thread_rule = Some((m.clone(), Action::Highlight));
                                    ui.close();
                                }
                                if ui.button("Ignore thread").clicked() {
                                    thread_rule = Some((m.clone(), Action::Hide));
                                    ui.close();
                                }
                            });
                        }
                    }
                });
            });
        if let Some(m) = clicked {
            self.show_article(&m);
        }
        if let Some(id) = gap {
            self.fill_gap(id);
        }
        if let Some((line, read)) = thread_read {
            self.mark_thread(line, read);
        }
        if let Some((row, action)) = thread_rule {
            self.rule_for_thread(&row, action);
        }
    }

    fn reader_view(&mut self, ui: &mut egui::Ui) {
        let Some(reader) = &mut self.reader else {
            ui.label("Select an article to read it.");
            return;
        };
        let row = reader.row.clone();
        ui.heading(if row.subject.is_empty() {
            "(no subject)"
        } else {
            &row.subject
        });
        let rendered = reader.rendered.clone();
        egui::Grid::new("news-headers")
            .num_columns(2)
            .show(ui, |ui| {
                let from = rendered.as_ref().map_or_else(
                    || format!("{} <{}>", row.from_name, row.from_addr),
                    |r| r.from.clone(),
                );
                ui.label(RichText::new("From").weak());
                ui.add(egui::Label::new(from).selectable(true));
                ui.end_row();
                if let Some(d) = rendered.as_ref().and_then(|r| r.date).or(row.date) {
                    ui.label(RichText::new("Date").weak());
                    ui.label(crate::mail::when::local_long(d));
                    ui.end_row();
                }
            });
        let mut follow = false;
        let mut recharset = false;
        let mut by_mail = false;
        let mut cancel = false;
        let mut save = false;
        ui.horizontal(|ui| {
            ui.add_enabled_ui(reader.raw.is_some(), |ui| {
                if ui.button("↩ Follow up").clicked() {
                    follow = true;
                }
                if ui.button("✉ Reply by mail").clicked() {
                    by_mail = true;
                }
                if ui
                    .button("Cancel article")
                    .on_hover_text("Withdraw your own article from the servers")
                    .clicked()
                {
                    cancel = true;
                }
            });
            ui.toggle_value(&mut reader.rot13, "ROT13");
            ui.toggle_value(&mut reader.raw_view, "Raw source");
            let before = self.group_charset.clone();
            let charset_label = ui.label("Charset");
            egui::ComboBox::from_id_salt("news-charset")
                .selected_text(self.group_charset.as_deref().unwrap_or("as sent"))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.group_charset, None, "as sent");
                    for cs in render::CHARSETS {
                        ui.selectable_value(&mut self.group_charset, Some((*cs).to_string()), *cs);
                    }
                })
                .response
                .labelled_by(charset_label.id)
                .on_hover_text("The charset of this group's articles, for those that name none or the wrong one");
            if self.group_charset != before {
                recharset = true;
            }
        });
        if let Some(name) = &reader.binary {
            ui.horizontal(|ui| {
                ui.label(format!("📎 This article carries a file: {name}"));
                if ui
                    .button(format!("💾 Save {name}"))
                    .on_hover_text(
                        "Decode the file (yEnc, every part of a multi-part post, or uuencode) \
                         into the download folder",
                    )
                    .clicked()
                {
                    save = true;
                }
            });
        }
        ui.separator();
        egui::ScrollArea::vertical()
            .id_salt("news-article")
            .auto_shrink([false, false])
            .show(ui, |ui| match (&reader.rendered, reader.raw_view) {
                (None, _) => {
                    ui.spinner();
                }
                (Some(_), true) => {
                    ui.add(
                        egui::Label::new(RichText::new(&reader.raw_text).monospace())
                            .selectable(true),
                    );
                }
                (Some(r), false) => {
                    if reader.rot13 {
                        let lines: Vec<TextLine> = r
                            .text
                            .iter()
                            .map(|l| TextLine {
                                text: rot13(&l.text),
                                ..l.clone()
                            })
                            .collect();
                        crate::ui::widgets::quoted_text(ui, &lines);
                    } else {
                        crate::ui::widgets::quoted_text(ui, &r.text);
                    }
                }
            });
        if follow {
            self.follow_up();
        }
        if recharset {
            self.charset_chosen();
        }
        if by_mail {
            self.reply_by_mail();
        }
        if cancel {
            self.cancel_article();
        }
        if save {
            self.save_binary();
        }
    }

    fn open_rules(&mut self) {
        let groups = self
            .open
            .as_ref()
            .map(|g| g.folder.name.clone())
            .unwrap_or_default();
        self.rule_editor = Some(RuleEditor {
            field: Field::Subject,
            pattern: String::new(),
            action: Action::Hide,
            groups,
            days: String::new(),
            count: Ok(0),
            counted: None,
        });
    }

    fn rules_window(&mut self, ctx: &egui::Context) {
        let Some(ed) = &mut self.rule_editor else {
            return;
        };
        // The live count: over the loaded headers, when the rule being written changes.
        let key = (ed.field, ed.pattern.clone());
        if ed.counted.as_ref() != Some(&key) {
            let rule = Rule {
                id: 0,
                groups: String::new(),
                field: ed.field,
                pattern: ed.pattern.clone(),
                action: ed.action,
                expires: None,
            };
            ed.count = score::count_matches(&rule, &self.rows).map_err(|e| e.to_string());
            ed.counted = Some(key);
        }
        let mut open = true;
        let mut add = None;
        let mut delete = None;
        let mut import = false;
        let loaded = self.rows.len();
        egui::Window::new("Scoring rules")
            .open(&mut open)
            .default_size([640.0, 420.0])
            .show(ctx, |ui| {
                ui.label(
                    "Rules hide or highlight articles. A pattern is a regular expression, any \
                     case; Crossposts and Lines take a number (at least).",
                );
                egui::Grid::new("news-rule-form")
                    .num_columns(2)
                    .show(ui, |ui| {
                        let l = ui.label("Look at");
                        egui::ComboBox::from_id_salt("news-rule-field")
                            .selected_text(ed.field.name())
                            .show_ui(ui, |ui| {
                                for f in Field::ALL {
                                    ui.selectable_value(&mut ed.field, f, f.name());
                                }
                            })
                            .response
                            .labelled_by(l.id);
                        ui.end_row();
                        let l = ui.label("Pattern");
                        ui.add(egui::TextEdit::singleline(&mut ed.pattern).desired_width(320.0))
                            .labelled_by(l.id);
                        ui.end_row();
                        let l = ui.label("Then");
                        egui::ComboBox::from_id_salt("news-rule-action")
                            .selected_text(match ed.action {
                                Action::Hide => "Hide",
                                Action::Highlight => "Highlight",
                            })
                            .show_ui(ui, |ui| {
                                ui.selectable_value(&mut ed.action, Action::Hide, "Hide");
                                ui.selectable_value(&mut ed.action, Action::Highlight, "Highlight");
                            })
                            .response
                            .labelled_by(l.id);
                        ui.end_row();
                        let l = ui.label("In groups");
                        ui.add(
                            egui::TextEdit::singleline(&mut ed.groups)
                                .hint_text("comp.*,!comp.os.* (empty: every group)")
                                .desired_width(320.0),
                        )
                        .labelled_by(l.id);
                        ui.end_row();
                        let l = ui.label("Expires in days");
                        ui.add(
                            egui::TextEdit::singleline(&mut ed.days)
                                .hint_text("empty: never")
                                .desired_width(80.0),
                        )
                        .labelled_by(l.id);
                        ui.end_row();
                    });
                match &ed.count {
                    Ok(n) if !ed.pattern.trim().is_empty() => {
                        ui.label(format!("Matches {n} of the {loaded} loaded headers"));
                    }
                    // Nothing typed yet is no error.
                    Ok(_) => {}
                    Err(_) if ed.pattern.trim().is_empty() => {}
                    Err(e) => {
                        ui.colored_label(ui.visuals().error_fg_color, e);
                    }
                }
                ui.horizontal(|ui| {
                    let days = ed.days.trim();
                    let expires = if days.is_empty() {
                        Some(None)
                    } else {
                        days.parse::<i64>()
                            .ok()
                            .filter(|d| *d > 0)
                            .map(|d| Some(unix_now() + d * 86_400))
                    };
                    let ok = ed.count.is_ok() && !ed.pattern.trim().is_empty() && expires.is_some();
                    if ui.add_enabled(ok, egui::Button::new("Add rule")).clicked()
                        && let Some(expires) = expires
                    {
                        add = Some(Rule {
                            id: 0,
                            groups: ed.groups.trim().to_string(),
                            field: ed.field,
                            pattern: ed.pattern.trim().to_string(),
                            action: ed.action,
                            expires,
                        });
                    }
                    if ui.button("Import slrn score file…").clicked() {
                        import = true;
                    }
                });
                ui.separator();
                if self.rules.is_empty() {
                    ui.label("No rules yet.");
                }
                egui::ScrollArea::vertical()
                    .id_salt("news-rules")
                    .show(ui, |ui| {
                        for r in &self.rules {
                            ui.horizontal(|ui| {
                                if ui
                                    .small_button("🗑")
                                    .on_hover_text("Delete this rule")
                                    .clicked()
                                {
                                    delete = Some(r.id);
                                }
                                let verb = match r.action {
                                    Action::Hide => "hide",
                                    Action::Highlight => "highlight",
                                };
                                let groups = if r.groups.is_empty() {
                                    "every group"
                                } else {
                                    &r.groups
                                };
                                let until = r
                                    .expires
                                    .map(|e| {
                                        format!(", until {}", crate::mail::when::local_short(e))
                                    })
                                    .unwrap_or_default();
                                ui.label(format!(
                                    "{verb} where {} ~ {} in {groups}{until}",
                                    r.field.name(),
                                    r.pattern
                                ));
                            });
                        }
                    });
            });
        if let Some(r) = add {
            if let Some(ed) = &mut self.rule_editor {
                ed.pattern.clear();
            }
            self.add_rules(vec![r]);
        }
        if let Some(id) = delete {
            self.delete_rule(id);
        }
        if import {
            self.import_file(Import::SlrnScore);
        }
        if !open {
            self.rule_editor = None;
        }
    }

    fn browser_window(&mut self, ctx: &egui::Context) {
        let Some(b) = &mut self.browser else { return };
        let mut open = true;
        let mut subscribe = None;
        let server = self
            .servers
            .iter()
            .find(|s| s.id == b.account)
            .map_or_else(String::new, |s| s.name.clone());
        let mut reload_all = false;
        let mut close = false;
        egui::Window::new(format!("Groups on {server}"))
            .open(&mut open)
            .default_size([560.0, 520.0])
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    let l = ui.label("Find groups");
                    ui.add(
                        egui::TextEdit::singleline(&mut b.filter)
                            .hint_text("words in the name or description")
                            .desired_width(260.0),
                    )
                    .labelled_by(l.id);
                    if ui.checkbox(&mut b.new_only, "New only").changed() {
                        b.applied.clear();
                    }
                    if ui
                        .button("⟳ Reload list")
                        .on_hover_text("Read the whole group list from the server again")
                        .clicked()
                    {
                        reload_all = true;
                    }
                });
                if b.filter != b.applied {
                    b.refilter();
                }
                ui.horizontal(|ui| {
                    ui.label(format!("{} of {} groups", b.shown.len(), b.groups.len()));
                    if ui.button("Done").clicked() {
                        close = true;
                    }
                });
                let subscribed: std::collections::HashSet<&str> = self
                    .subscribed
                    .get(&b.account)
                    .map(|v| v.iter().map(|g| g.folder.name.as_str()).collect())
                    .unwrap_or_default();
                let row_h = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
                egui::ScrollArea::vertical()
                    .id_salt("news-browser-list")
                    .auto_shrink([false, false])
                    .show_rows(ui, row_h, b.shown.len(), |ui, range| {
                        for i in range {
                            let Some(g) = b.shown.get(i).and_then(|i| b.groups.get(*i)) else {
                                continue;
                            };
                            ui.horizontal(|ui| {
                                if subscribed.contains(g.name.as_str()) {
                                    ui.label("✔");
                                } else if ui
                                    .small_button("Subscribe")
                                    .on_hover_text(format!("Subscribe to {}", g.name))
                                    .clicked()
                                {
                                    subscribe = Some(g.name.clone());
                                }
                                let mut name = RichText::new(&g.name).strong();
                                if g.new {
                                    name = name.color(Color32::from_rgb(0x3f, 0x9e, 0x5a));
                                }
                                ui.label(name);
                                ui.label(RichText::new(format!("{} articles", g.count)).weak());
                                if g.status == "m" {
                                    ui.label(RichText::new("moderated").weak());
                                }
                                ui.add(
                                    egui::Label::new(RichText::new(&g.description).weak())
                                        .truncate(),
                                );
                            });
                        }
                    });
            });
        let account = b.account;
        if !open || close {
            self.browser = None;
        }
        if reload_all {
            self.send(account, NewsCommand::Groups { full: true });
        }
        if let Some(name) = subscribe {
            self.subscribe(account, name, false);
        }
    }

    fn editor_window(&mut self, ctx: &egui::Context) {
        let Some(ed) = &mut self.editor else { return };
        let mut open = true;
        let mut save = false;
        let mut delete = false;
        let mut newsrc = None;
        let report = self.reports.get(&ed.account.id).cloned();
        egui::Window::new(if ed.account.id == 0 {
            "Add a news server"
        } else {
            "News server"
        })
        .open(&mut open)
        .collapsible(false)
        .show(ctx, |ui| {
            egui::Grid::new("news-editor-grid")
                .num_columns(2)
                .show(ui, |ui| {
                    let field =
                        |ui: &mut egui::Ui, label: &str, value: &mut String, password: bool| {
                            let l = ui.label(label);
                            ui.add(egui::TextEdit::singleline(value).password(password))
                                .labelled_by(l.id);
                            ui.end_row();
                        };
                    field(ui, "Name", &mut ed.account.name, false);
                    field(ui, "Server", &mut ed.account.host, false);
                    field(ui, "Port", &mut ed.port, false);
                    let security = ui.label("Security");
                    let before = ed.account.tls.clone();
                    egui::ComboBox::from_id_salt("news-tls")
                        .selected_text(tls_label(TlsMode::from_name(&ed.account.tls)))
                        .show_ui(ui, |ui| {
                            for mode in [
                                TlsMode::Implicit,
                                TlsMode::Explicit,
                                TlsMode::IfOffered,
                                TlsMode::Plain,
                            ] {
                                ui.selectable_value(
                                    &mut ed.account.tls,
                                    mode.name().to_string(),
                                    tls_label(mode),
                                );
                            }
                        })
                        .response
                        .labelled_by(security.id);
                    if ed.account.tls != before {
                        let implicit = TlsMode::from_name(&ed.account.tls) == TlsMode::Implicit;
                        if implicit && ed.port.trim() == "119" {
                            ed.port = "563".into();
                        } else if !implicit && ed.port.trim() == "563" {
                            ed.port = "119".into();
                        }
                    }
                    ui.end_row();
                    field(ui, "User (if the server asks)", &mut ed.account.user, false);
                    field(ui, "Password", &mut ed.password, true);
                    field(ui, "Your name", &mut ed.name, false);
                    field(ui, "Your address", &mut ed.address, false);
                    let l = ui.label("Signature");
                    ui.add(egui::TextEdit::multiline(&mut ed.signature).desired_rows(2))
                        .labelled_by(l.id);
                    ui.end_row();
                });
            if TlsMode::from_name(&ed.account.tls) == TlsMode::Plain {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    "Plain: the password and everything you read go unencrypted.",
                );
            }
            if let Some(lines) = &report {
                ui.collapsing("What this server offers", |ui| {
                    for l in lines {
                        ui.label(l);
                    }
                });
            }
            if let Some(e) = &ed.error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            ui.horizontal(|ui| {
                if ui.button("Save").clicked() {
                    save = true;
                }
                if ed.account.id != 0 && ui.button("Delete server").clicked() {
                    delete = true;
                }
                if ed.account.id != 0 {
                    if ui
                        .button("Import .newsrc…")
                        .on_hover_text(
                            "Subscriptions and read articles from slrn, tin or another reader",
                        )
                        .clicked()
                    {
                        newsrc = Some(true);
                    }
                    if ui.button("Export .newsrc…").clicked() {
                        newsrc = Some(false);
                    }
                }
            });
        });
        let (account, delete_id) = (ed.account.id, ed.account.id);
        match newsrc {
            Some(true) => self.import_file(Import::Newsrc(account)),
            Some(false) => self.export_newsrc(account),
            None => {}
        }
        if save {
            self.save_editor();
        } else if delete {
            let id = delete_id;
            self.editor = None;
            if let Some(w) = self.workers.remove(&id) {
                let _ = w.send(NewsCommand::Stop);
            }
            self.servers.retain(|s| s.id != id);
            self.subscribed.remove(&id);
            if self.open.as_ref().is_some_and(|g| g.folder.account == id) {
                self.open = None;
                self.rows.clear();
                self.unread = 0;
                self.lines.clear();
                self.reader = None;
            }
            self.store.delete_account(id, crate::store::api::ignore);
        } else if !open {
            self.editor = None;
        }
    }

    /// Writes the article being written to the store a second after it last changed, so a
    /// crash loses at most that second (the window closing writes it at once: `save_state`).
    fn autosave(&mut self) {
        let Some(p) = &mut self.poster else { return };
        let json = serde_json::json!({"account": p.account, "draft": p.draft}).to_string();
        if json == p.saved {
            p.changed_at = None;
            return;
        }
        let changed = *p.changed_at.get_or_insert_with(std::time::Instant::now);
        if changed.elapsed() < std::time::Duration::from_secs(1) {
            return;
        }
        p.saved.clone_from(&json);
        p.changed_at = None;
        self.store
            .set_setting(DRAFT_KEY, json, crate::store::api::ignore);
    }

    fn forget_draft(&self) {
        self.store
            .set_setting(DRAFT_KEY, String::new(), crate::store::api::ignore);
    }

    fn poster_window(&mut self, ctx: &egui::Context) {
        let Some(p) = &mut self.poster else { return };
        let mut open = true;
        let mut send = false;
        egui::Window::new("Post to Usenet")
            .open(&mut open)
            .default_size([620.0, 460.0])
            .show(ctx, |ui| {
                egui::Grid::new("news-poster-grid")
                    .num_columns(2)
                    .show(ui, |ui| {
                        for (label, value) in [
                            ("From", &mut p.draft.from),
                            ("Newsgroups", &mut p.draft.newsgroups),
                            ("Followup-To", &mut p.draft.followup_to),
                            ("Subject", &mut p.draft.subject),
                        ] {
                            let l = ui.label(label);
                            ui.add(egui::TextEdit::singleline(value).desired_width(460.0))
                                .labelled_by(l.id);
                            ui.end_row();
                        }
                    });
                for c in &p.concerns {
                    let color = if c.blocks() {
                        ui.visuals().error_fg_color
                    } else {
                        ui.visuals().warn_fg_color
                    };
                    ui.colored_label(color, c.words());
                }
                let text_label = ui.label("Text");
                egui::ScrollArea::vertical()
                    .id_salt("news-poster-body")
                    .max_height(360.0)
                    .show(ui, |ui| {
                        ui.add(
                            egui::TextEdit::multiline(&mut p.draft.body)
                                .desired_rows(14)
                                .desired_width(f32::INFINITY)
                                .font(egui::TextStyle::Monospace),
                        )
                        .labelled_by(text_label.id);
                    });
                let label = if p.confirmed {
                    "Send anyway"
                } else {
                    "Send article"
                };
                if ui.button(label).clicked() {
                    send = true;
                }
            });
        if send {
            self.send_post();
        } else if !open {
            // Closing the window is discarding the article.
            self.poster = None;
            self.forget_draft();
        }
    }

    fn open_link(&mut self, link: &Link) {
        let Link::News {
            server,
            target,
            scheme,
        } = link
        else {
            return;
        };
        let account = match server {
            Some(s) => self.servers.iter().find(|a| serves(a, s)).map(|a| a.id),
            None => self.servers.first().map(|a| a.id),
        };
        let Some(account) = account else {
            self.link_after_save = Some(link.clone());
            // An unknown server: the editor, filled from the link.
            if let Some(s) = server {
                let implicit = *scheme == crate::link::Scheme::Snews;
                self.editor = Some(ServerEditor::new(Account {
                    name: s.host.clone(),
                    kind: "nntp".into(),
                    host: s.host.clone(),
                    port: s.port,
                    user: s.user.clone().unwrap_or_default(),
                    tls: if implicit {
                        TlsMode::Implicit.name().into()
                    } else {
                        TlsMode::IfOffered.name().into()
                    },
                    ..Account::default()
                }));
            } else {
                // `news:GROUP` names no server: the form, saying why it opened.
                let mut editor = ServerEditor::new(Account {
                    kind: "nntp".into(),
                    port: 119,
                    tls: TlsMode::IfOffered.name().into(),
                    ..Account::default()
                });
                editor.error = Some(format!(
                    "Add a news server first: {link} names no server, so it opens on your first one."
                ));
                self.editor = Some(editor);
            }
            return;
        };
        match target {
            NewsTarget::MessageId(id) => self.fill_gap(id.clone()),
            NewsTarget::Group { name, article } => {
                if name.contains(['*', '?']) {
                    self.open_browser(account);
                    if let Some(b) = &mut self.browser {
                        b.filter = name.trim_end_matches('*').replace(['*', '?'], " ");
                    }
                    return;
                }
                let known = self
                    .subscribed
                    .get(&account)
                    .and_then(|gs| gs.iter().find(|g| &g.folder.name == name))
                    .cloned();
                if let Some(g) = known {
                    self.open_group(g);
                    self.open_when_listed = Some((account, name.clone(), *article));
                } else {
                    self.subscribe(account, name.clone(), true);
                    self.open_when_listed = Some((account, name.clone(), *article));
                }
            }
        }
    }
}

/// The account is the server a link names.
fn serves(account: &Account, server: &crate::link::Server) -> bool {
    account.host.eq_ignore_ascii_case(&server.host) && account.port == server.port
}

/// The name a binary in `raw` suggests (yEnc or uuencode), if it carries one.
fn binary_name(raw: &[u8]) -> Option<String> {
    let body_at = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|i| i + 2))?;
    let body = &raw[body_at..];
    for line in body.split(|b| *b == b'\n').take(2000) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(b"=ybegin ") {
            let t = String::from_utf8_lossy(line);
            let name = t.find(" name=").map(|at| t[at + 6..].trim().to_string());
            return Some(name.unwrap_or_else(|| "file.bin".into()));
        }
        if let Some(rest) = line.strip_prefix(b"begin ") {
            let t = String::from_utf8_lossy(rest);
            if let Some((mode, name)) = t.split_once(' ')
                && mode.bytes().all(|b| (b'0'..=b'7').contains(&b))
            {
                return Some(name.trim().to_string());
            }
        }
    }
    None
}

/// Where the article being written is kept between autosaves and runs.
const DRAFT_KEY: &str = "news.draft";

/// Where a group's charset is kept among the settings.
fn charset_key(group: &str) -> String {
    format!("news.charset.{group}")
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn rot13(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            _ => c,
        })
        .collect()
}

fn tls_label(mode: TlsMode) -> &'static str {
    match mode {
        TlsMode::Implicit => "TLS (NNTPS, port 563)",
        TlsMode::Explicit => "STARTTLS (required)",
        TlsMode::IfOffered => "STARTTLS when offered",
        TlsMode::Plain => "Plain (not encrypted)",
    }
}

impl Panel for NewsPanel {
    fn kind(&self) -> PanelKind {
        PanelKind::News
    }

    fn icon(&self) -> &'static str {
        "📰"
    }

    fn status(&self) -> String {
        match &self.open {
            Some(g) => {
                let unread = self.unread;
                format!(
                    "{} · {} articles · {unread} unread{}",
                    g.folder.name,
                    self.rows.len(),
                    if self.status.is_empty() {
                        String::new()
                    } else {
                        format!(" · {}", self.status)
                    }
                )
            }
            None if self.servers.is_empty() => "No news server".into(),
            None => format!("{} news server(s)", self.servers.len()),
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui) {
        self.poll_file_work();
        let ctx = ui.ctx().clone();
        self.editor_window(&ctx);
        self.browser_window(&ctx);
        self.poster_window(&ctx);
        self.rules_window(&ctx);
        egui::Panel::left("news-sidebar")
            .resizable(true)
            .default_size(240.0)
            .show(ui, |ui| self.sidebar(ui));
        egui::CentralPanel::default().show(ui, |ui| {
            self.toolbar(ui);
            ui.separator();
            let list_h = (ui.available_height() * 0.5).max(120.0);
            egui::Panel::top("news-list")
                .resizable(true)
                .default_size(list_h)
                .show(ui, |ui| self.thread_list(ui));
            egui::CentralPanel::default().show(ui, |ui| self.reader_view(ui));
        });
    }

    fn apply(&mut self, event: PanelEvent) {
        let Some(event) = event.take::<NewsPanelEvent>() else {
            return;
        };
        match event {
            NewsPanelEvent::Worker(e) => self.on_worker(*e),
            NewsPanelEvent::Servers(s) => self.set_servers(s),
            NewsPanelEvent::Saved { account, password } => self.after_save(&account, password),
            NewsPanelEvent::Password { account, password } => {
                if let Some(a) = self.servers.iter().find(|s| s.id == account).cloned() {
                    if let Some(p) = password {
                        self.start_worker(&a, p);
                    } else {
                        self.state.insert(
                            account,
                            "no password kept: type it in the server's settings".into(),
                        );
                        self.start_worker(&a, String::new());
                    }
                }
            }
            NewsPanelEvent::Subscribed { account, groups } => {
                if let Some(open) = &mut self.open
                    && let Some(g) = groups.iter().find(|g| g.folder.id == open.folder.id)
                {
                    *open = g.clone();
                }
                self.subscribed.insert(account, groups);
            }
            NewsPanelEvent::OpenAfterSubscribe { account, group } => {
                if let Some(g) = self
                    .subscribed
                    .get(&account)
                    .and_then(|gs| gs.iter().find(|g| g.folder.name == group))
                    .cloned()
                {
                    self.open_group(g);
                }
            }
            NewsPanelEvent::Groups { account, groups } => {
                if let Some(b) = &mut self.browser
                    && b.account == account
                {
                    b.groups = groups;
                    b.refilter();
                }
            }
            NewsPanelEvent::Articles {
                folder,
                generation,
                rows,
                lines,
                verdicts,
            } => {
                if generation == self.generation
                    && self.open.as_ref().is_some_and(|g| g.folder.id == folder)
                {
                    self.rows = rows;
                    self.thread_lines = lines;
                    self.arrange();
                    self.verdicts = verdicts;
                    self.count_unread();
                    let own: Vec<u64> = self
                        .rows
                        .iter()
                        .filter(|r| {
                            !r.seen
                                && r.message_id
                                    .as_deref()
                                    .is_some_and(|m| self.own_posts.contains(m))
                        })
                        .map(|r| u64::from(r.uid))
                        .collect();
                    if !own.is_empty() {
                        self.mark(folder, &own, true);
                    }
                    // A link to an article number: show it once its group is listed.
                    if let Some((_, name, Some(n))) = self.open_when_listed.clone()
                        && self.open.as_ref().is_some_and(|g| g.folder.name == name)
                        && let Some(r) = self.rows.iter().find(|r| u64::from(r.uid) == n).cloned()
                    {
                        self.open_when_listed = None;
                        self.show_article(&r);
                    }
                }
            }
            NewsPanelEvent::CachedBody { message, raw } => match raw {
                Some(raw) => self.set_body(message, raw),
                None => {
                    if let Some(r) = self.reader.as_ref().map(|r| r.row.clone())
                        && r.id == message
                    {
                        self.fetch_body(&r);
                    }
                }
            },
            NewsPanelEvent::Rules(rules) => {
                self.rules = rules;
                self.reload();
            }
            NewsPanelEvent::Posts { account, posts } => {
                self.posts.insert(account, posts);
            }
            NewsPanelEvent::Error(e) => self.actions.push(ShellAction::Toast(Toast::Error(e))),
        }
    }

    fn open(&mut self, link: &Link) {
        self.actions.push(ShellAction::Show);
        self.open_link(link);
    }

    /// The certificate was trusted: start the server's worker again.
    fn retry(&mut self, retry: u64) {
        let account = retry as i64;
        if let Some(a) = self.servers.iter().find(|s| s.id == account).cloned() {
            let password = self.passwords.get(&account).cloned().unwrap_or_default();
            self.start_worker(&a, password);
            // The open group's fetch went to the worker that stopped: ask the new one.
            if let Some(g) = self.open.clone()
                && g.folder.account == account
            {
                self.fetch_headers(&g);
                self.progress = Some(0);
            }
        }
    }

    fn take_actions(&mut self) -> Vec<ShellAction> {
        std::mem::take(&mut self.actions)
    }

    fn save_state(&self) {
        if let Some(p) = &self.poster {
            let json = serde_json::json!({"account": p.account, "draft": p.draft}).to_string();
            if json != p.saved {
                let _ = self
                    .store
                    .call(move |c| crate::store::records::set_setting(c, DRAFT_KEY, &json));
            }
        }
    }

    fn windows(&mut self, ctx: &egui::Context) {
        // Here, not in `ui`: an article is saved while another panel is in front.
        self.autosave();
        if self.poster.as_ref().is_some_and(|p| p.changed_at.is_some()) {
            ctx.request_repaint_after(std::time::Duration::from_millis(1100));
        }
    }

    fn settings_changed(&mut self, settings: &crate::settings::Settings) {
        self.download_dir.clone_from(&settings.download_dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rot13_turns_letters_only() {
        assert_eq!(rot13("Hello, World! 123"), "Uryyb, Jbeyq! 123");
        assert_eq!(rot13(&rot13("Grüße")), "Grüße");
    }

    #[test]
    fn binaries_are_found_by_their_begin_lines() {
        assert_eq!(
            binary_name(b"Subject: x\r\n\r\ntext\r\n=ybegin line=128 size=3 name=a b.bin\r\n"),
            Some("a b.bin".into())
        );
        assert_eq!(
            binary_name(b"Subject: x\n\nbegin 644 hello.txt\n`\nend\n"),
            Some("hello.txt".into())
        );
        assert_eq!(binary_name(b"Subject: x\r\n\r\nbegin the talk\r\n"), None);
    }
}
