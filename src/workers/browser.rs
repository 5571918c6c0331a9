//! The Browser tab worker: fetches gopher and HTTP resources and turns them into pages.
//!
//! Latest request wins: a new navigation aborts the one in flight, so clicking ten links in a
//! row fetches only the last. The last raw body is kept so a charset or width change re-renders
//! without going back to the network.

use std::sync::Arc;

use tokio::sync::mpsc;
use url::Url;

use super::{MappedSink, Services, Throttle};
use crate::charset::Charset;
use crate::document::Document;
use crate::link::{GopherLink, Link};
use crate::proto::gopher::{self, ItemClass};
use crate::proto::http::{self, ResponseHead};
use crate::proto::net::NetError;
use crate::proto::robots;
use crate::proto::tls::{CertInfo, CertRejection};

/// Identifies one navigation, so stale results are ignored.
pub type RequestId = u64;

/// What a tab asks of its worker.
#[derive(Debug, Clone)]
pub enum BrowserCommand {
    /// Load a link. `columns` is the width HTML is wrapped to.
    Open {
        req: RequestId,
        link: Link,
        columns: usize,
        charset: Option<Charset>,
    },
    /// Re-render the current page from its cached bytes.
    Rerender {
        req: RequestId,
        columns: usize,
        charset: Option<Charset>,
    },
    /// Abort the navigation in flight.
    Stop,
    /// Fetch robots.txt for the page-info view.
    CheckRobots { url: Url },
}

/// What the worker reports back.
#[derive(Debug, Clone)]
pub enum BrowserEvent {
    Progress {
        req: RequestId,
        bytes: u64,
        total: Option<u64>,
    },
    Loaded {
        req: RequestId,
        page: Box<Page>,
    },
    Failed {
        req: RequestId,
        error: String,
        untrusted: Option<Box<CertRejection>>,
    },
    Robots {
        url: String,
        verdict: String,
    },
}

/// One row of a gopher menu, decoded for display.
#[derive(Debug, Clone, PartialEq)]
pub struct MenuRow {
    pub item_type: u8,
    pub display: String,
    pub link: Option<Link>,
    /// The link as text, for the hover and the status bar.
    pub url: Option<String>,
    pub problem: Option<&'static str>,
}

/// What a page shows.
#[derive(Debug, Clone)]
pub enum PageContent {
    Menu {
        rows: Arc<Vec<MenuRow>>,
        terminated: bool,
        problems: usize,
    },
    Document(Arc<Document>),
    Image {
        uri: String,
        bytes: Arc<[u8]>,
    },
    /// A type 7 item: the user must type a query first.
    SearchPrompt {
        link: GopherLink,
    },
    /// Not something to show: offer it as a download.
    Download {
        link: Link,
        media_type: String,
    },
}

/// The HTTP details shown in Page info.
#[derive(Debug, Clone, Default)]
pub struct PageInfo {
    pub status: Option<String>,
    pub headers: Vec<(String, String)>,
    pub cert: Option<CertInfo>,
    pub media_type: Option<String>,
    pub size: usize,
}

/// A loaded page.
#[derive(Debug, Clone)]
pub struct Page {
    /// The final URL (after redirects), shown in the URL bar.
    pub url: String,
    pub link: Link,
    pub title: String,
    pub content: PageContent,
    pub info: PageInfo,
    /// The charset used for gopher text, when one applies.
    pub charset: Option<Charset>,
    /// The bytes as received, for View source.
    pub source: Option<PageSource>,
}

/// A page's bytes as received and the charset its text was read in: View source shows the
/// same characters the page was drawn from.
#[derive(Debug, Clone)]
pub struct PageSource {
    pub raw: Arc<Vec<u8>>,
    pub charset: SourceCharset,
}

/// How the bytes were read.
#[derive(Debug, Clone, Copy)]
pub enum SourceCharset {
    /// An HTTP body or gopher HTML: the declared, sniffed or default web encoding.
    Web(&'static encoding_rs::Encoding),
    /// Gopher text and menus, in the charset detected or chosen.
    Gopher(Charset),
    /// Not text (an image): shown as hex.
    Binary,
}

impl PageSource {
    /// The charset's name, for the view's header.
    pub fn charset_label(&self) -> String {
        match self.charset {
            SourceCharset::Web(e) => e.name().to_string(),
            SourceCharset::Gopher(c) => c.label().to_string(),
            SourceCharset::Binary => "binary, shown as hex".to_string(),
        }
    }

    /// The source as lines: text decoded as the page was, or 16 bytes a line as hex.
    pub fn lines(&self) -> Vec<String> {
        let text = match self.charset {
            SourceCharset::Web(e) => e.decode(&self.raw).0.into_owned(),
            SourceCharset::Gopher(c) => c.decode(&self.raw),
            SourceCharset::Binary => {
                return self
                    .raw
                    .chunks(16)
                    .enumerate()
                    .map(|(i, chunk)| {
                        let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
                        let ascii: String = chunk
                            .iter()
                            .map(|&b| {
                                if b.is_ascii_graphic() || b == b' ' {
                                    char::from(b)
                                } else {
                                    '.'
                                }
                            })
                            .collect();
                        format!("{:08x}  {:<47}  {ascii}", i * 16, hex.join(" "))
                    })
                    .collect();
            }
        };
        text.split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
            .collect()
    }
}

/// Starts a tab worker; returns the command sender the tab keeps.
pub fn spawn<E: Send + 'static>(
    services: Services,
    events: MappedSink<BrowserEvent, E>,
) -> mpsc::UnboundedSender<BrowserCommand> {
    let (tx, mut rx) = mpsc::unbounded_channel::<BrowserCommand>();
    let runtime = services.runtime.clone();
    runtime.spawn(async move {
        let mut current: Option<tokio::task::JoinHandle<()>> = None;
        let cache: Arc<std::sync::Mutex<Option<Cached>>> = Arc::default();
        while let Some(cmd) = rx.recv().await {
            match cmd {
                BrowserCommand::Open {
                    req,
                    link,
                    columns,
                    charset,
                } => {
                    if let Some(h) = current.take() {
                        h.abort();
                    }
                    let services = services.clone();
                    let events = events.clone();
                    let cache = cache.clone();
                    current = Some(tokio::spawn(async move {
                        let event =
                            match load(&services, &link, columns, charset, req, &events).await {
                                Ok((page, raw)) => {
                                    if let (Ok(mut c), Some(raw)) = (cache.lock(), raw) {
                                        *c = Some(Cached {
                                            page: (*page).clone(),
                                            raw,
                                        });
                                    }
                                    BrowserEvent::Loaded { req, page }
                                }
                                Err(failure) => BrowserEvent::Failed {
                                    req,
                                    error: failure.message,
                                    untrusted: failure.untrusted,
                                },
                            };
                        events.send(event);
                    }));
                }
                BrowserCommand::Rerender {
                    req,
                    columns,
                    charset,
                } => {
                    let cached = cache.lock().ok().and_then(|c| c.clone());
                    if let Some(cached) = cached {
                        let page = rerender(cached, columns, charset);
                        events.send(BrowserEvent::Loaded {
                            req,
                            page: Box::new(page),
                        });
                    }
                }
                BrowserCommand::Stop => {
                    if let Some(h) = current.take() {
                        h.abort();
                    }
                }
                BrowserCommand::CheckRobots { url } => {
                    let services = services.clone();
                    let events = events.clone();
                    tokio::spawn(async move {
                        let verdict = robots_verdict(&services, &url).await;
                        events.send(BrowserEvent::Robots {
                            url: url.to_string(),
                            verdict,
                        });
                    });
                }
            }
        }
        if let Some(h) = current.take() {
            h.abort();
        }
    });
    tx
}

#[derive(Clone)]
struct Cached {
    page: Page,
    raw: Arc<Vec<u8>>,
}

struct Failure {
    message: String,
    untrusted: Option<Box<CertRejection>>,
}

impl From<gopher::GopherError> for Failure {
    fn from(e: gopher::GopherError) -> Failure {
        let untrusted = match &e {
            gopher::GopherError::Net(NetError::Untrusted(r)) => Some(r.clone()),
            _ => None,
        };
        Failure {
            message: e.to_string(),
            untrusted,
        }
    }
}

impl From<http::HttpError> for Failure {
    fn from(e: http::HttpError) -> Failure {
        let untrusted = match &e {
            http::HttpError::Untrusted(r) => Some(r.clone()),
            _ => None,
        };
        Failure {
            message: e.to_string(),
            untrusted,
        }
    }
}

fn failure(message: String) -> Failure {
    Failure {
        message,
        untrusted: None,
    }
}

async fn load<E: Send + 'static>(
    services: &Services,
    link: &Link,
    columns: usize,
    charset: Option<Charset>,
    req: RequestId,
    events: &MappedSink<BrowserEvent, E>,
) -> Result<(Box<Page>, Option<Arc<Vec<u8>>>), Failure> {
    let mut throttle = Throttle::progress();
    let mut progress = |bytes: u64, total: Option<u64>| {
        if throttle.ready() {
            events.send(BrowserEvent::Progress { req, bytes, total });
        }
    };
    match link {
        Link::Gopher(g) => {
            let class = gopher::class_of(g.item_type);
            if class == ItemClass::Search && g.search.is_none() {
                return Ok((
                    Box::new(Page {
                        url: link.to_string(),
                        link: link.clone(),
                        title: format!("Search {link}"),
                        content: PageContent::SearchPrompt { link: g.clone() },
                        info: PageInfo::default(),
                        charset: None,
                        source: None,
                    }),
                    None,
                ));
            }
            if matches!(class, ItemClass::Binary) {
                return Ok((download_page(link, gopher::type_name(g.item_type)), None));
            }
            let raw = gopher::fetch(g, &services.limits, |n| progress(n, None)).await?;
            let raw = Arc::new(raw);
            let page = Page {
                url: link.to_string(),
                link: link.clone(),
                title: String::new(),
                content: PageContent::Document(Arc::default()),
                info: PageInfo {
                    size: raw.len(),
                    ..PageInfo::default()
                },
                charset,
                source: None,
            };
            Ok((
                Box::new(rerender(
                    Cached {
                        page,
                        raw: raw.clone(),
                    },
                    columns,
                    charset,
                )),
                Some(raw),
            ))
        }
        Link::Http(url) => {
            let (head, response) = services.http.get(url).await?;
            let media = head.media_type.clone().unwrap_or_default();
            let showable = media.is_empty()
                || media.starts_with("text/")
                || media.starts_with("image/")
                || media == "application/xhtml+xml";
            if !showable {
                drop(response);
                let page = download_page(&Link::Http(head.url.clone()), &media);
                return Ok((page, None));
            }
            let (head, body) = read_body(services, head, response, &mut progress).await?;
            let raw = Arc::new(body);
            let final_link = Link::Http(head.url.clone());
            let page = Page {
                url: head.url.to_string(),
                link: final_link,
                title: String::new(),
                content: PageContent::Document(Arc::default()),
                info: PageInfo {
                    status: Some(format!(
                        "{} {} ({})",
                        head.status, head.reason, head.version
                    )),
                    headers: head.headers.clone(),
                    cert: head.cert.clone(),
                    media_type: head.media_type.clone(),
                    size: raw.len(),
                },
                charset: None,
                source: None,
            };
            let cached = Cached {
                page,
                raw: raw.clone(),
            };
            Ok((Box::new(rerender(cached, columns, charset)), Some(raw)))
        }
        // The router sends these to their own panels; a tab never loads them itself.
        other => Err(failure(format!(
            "a browser tab does not load {} links",
            other.scheme().name()
        ))),
    }
}

async fn read_body(
    services: &Services,
    head: ResponseHead,
    mut response: reqwest::Response,
    progress: &mut impl FnMut(u64, Option<u64>),
) -> Result<(ResponseHead, Vec<u8>), Failure> {
    let limit = services.limits.max_body;
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() as u64 + chunk.len() as u64 > limit {
                    return Err(failure(format!(
                        "{}: the page is larger than {} MB; use Download instead",
                        head.url,
                        limit >> 20
                    )));
                }
                body.extend_from_slice(&chunk);
                progress(body.len() as u64, head.content_length);
            }
            Ok(None) => return Ok((head, body)),
            Err(e) => {
                return Err(failure(format!(
                    "{}: the response broke off after {} bytes: {}",
                    head.url,
                    body.len(),
                    http::describe(&e)
                )));
            }
        }
    }
}

fn download_page(link: &Link, media: &str) -> Box<Page> {
    Box::new(Page {
        url: link.to_string(),
        link: link.clone(),
        title: super::transfer::name_from_link(link),
        content: PageContent::Download {
            link: link.clone(),
            media_type: media.to_string(),
        },
        info: PageInfo::default(),
        charset: None,
        source: None,
    })
}

/// Builds the shown content from raw bytes, with the given width and charset.
fn rerender(cached: Cached, columns: usize, charset: Option<Charset>) -> Page {
    let Cached { mut page, raw } = cached;
    let url = page.url.clone();
    let mut read_as = SourceCharset::Binary;
    match &page.link {
        Link::Gopher(g) => {
            let class = gopher::class_of(g.item_type);
            let cs = charset.unwrap_or_else(|| Charset::detect(&raw));
            page.charset = Some(cs);
            read_as = SourceCharset::Gopher(cs);
            match class {
                ItemClass::Menu | ItemClass::Search => {
                    let menu = gopher::parse_menu(&raw, &g.server.host, g.server.port);
                    let problems = menu.problem_count();
                    let rows: Vec<MenuRow> = menu
                        .items
                        .iter()
                        .map(|item| {
                            let link = item.link();
                            MenuRow {
                                item_type: item.item_type,
                                display: cs.decode(&item.display),
                                url: link.as_ref().map(ToString::to_string),
                                link,
                                problem: item.problem.map(gopher::Problem::describe),
                            }
                        })
                        .collect();
                    page.title = rows
                        .iter()
                        .find(|r| !r.display.trim().is_empty())
                        .map_or_else(|| url.clone(), |r| r.display.trim().to_string());
                    page.content = PageContent::Menu {
                        rows: Arc::new(rows),
                        terminated: menu.terminated,
                        problems,
                    };
                }
                ItemClass::Image => {
                    read_as = SourceCharset::Binary;
                    page.title = super::transfer::name_from_link(&page.link);
                    page.content = PageContent::Image {
                        uri: format!("bytes://{url}"),
                        bytes: Arc::from(raw.as_slice()),
                    };
                }
                ItemClass::Html => {
                    let declared = http::sniff_meta_charset(&raw);
                    read_as = SourceCharset::Web(http::encoding_for(&raw, declared.as_deref()));
                    let text = http::decode_text(&raw, declared.as_deref());
                    let base = Url::parse(&url).unwrap_or_else(|_| fallback_base());
                    let doc = Document::from_html(&text, &base, columns);
                    page.title.clone_from(&doc.title);
                    page.content = PageContent::Document(Arc::new(doc));
                }
                _ => {
                    let text = cs.decode(gopher::strip_text_terminator(&raw));
                    page.title = super::transfer::name_from_link(&page.link);
                    page.content = PageContent::Document(Arc::new(Document::from_text(&text)));
                }
            }
        }
        Link::Http(u) => {
            let media = page.info.media_type.clone().unwrap_or_default();
            let header_charset = page
                .info
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                .and_then(|(_, v)| http::parse_content_type(v).1);
            if media.starts_with("image/") {
                page.title = super::transfer::name_from_link(&page.link);
                page.content = PageContent::Image {
                    uri: format!("bytes://{u}"),
                    bytes: Arc::from(raw.as_slice()),
                };
            } else if media == "text/html" || media == "application/xhtml+xml" || media.is_empty() {
                let declared = charset
                    .map(|c| c.label().to_string())
                    .or(header_charset)
                    .or_else(|| http::sniff_meta_charset(&raw));
                read_as = SourceCharset::Web(http::encoding_for(&raw, declared.as_deref()));
                let text = http::decode_text(&raw, declared.as_deref());
                let doc = Document::from_html(&text, u, columns);
                page.title = if doc.title.is_empty() {
                    u.to_string()
                } else {
                    doc.title.clone()
                };
                page.content = PageContent::Document(Arc::new(doc));
            } else {
                let declared = charset.map(|c| c.label().to_string()).or(header_charset);
                read_as = SourceCharset::Web(http::encoding_for(&raw, declared.as_deref()));
                let text = http::decode_text(&raw, declared.as_deref());
                page.title = super::transfer::name_from_link(&page.link);
                page.content = PageContent::Document(Arc::new(Document::from_text(&text)));
            }
        }
        _ => {}
    }
    page.source = Some(PageSource {
        raw,
        charset: read_as,
    });
    page
}

fn fallback_base() -> Url {
    Url::parse("about:blank").expect("a constant URL parses")
}

async fn robots_verdict(services: &Services, url: &Url) -> String {
    let Ok(robots_url) = url.join("/robots.txt") else {
        return "no robots.txt for this kind of URL".into();
    };
    match services
        .http
        .fetch(&robots_url, &services.limits, |_, _| {})
        .await
    {
        Ok((head, body)) if head.is_success() => {
            let text = String::from_utf8_lossy(&body);
            let rules = robots::rules_for(&text, http::USER_AGENT);
            let path = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_string(),
            };
            if rules.allows(&path) {
                "robots.txt allows Portolan to fetch this page".into()
            } else {
                "robots.txt asks Portolan not to fetch this page".into()
            }
        }
        Ok((head, _)) => format!(
            "no robots.txt ({} {}): everything is allowed",
            head.status, head.reason
        ),
        Err(e) => format!("robots.txt could not be fetched: {e}"),
    }
}
