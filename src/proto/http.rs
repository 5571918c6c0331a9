//! HTTP and HTTPS over reqwest, sharing the suite's TLS trust.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use url::Url;
use zeroize::Zeroizing;

use super::net::Limits;
use super::tls::{CertInfo, CertRejection, Trust};
use super::wire::{self, Flow};

/// The User-Agent we send, and the name robots.txt rules are matched against.
pub const USER_AGENT: &str = concat!("Portolan/", env!("CARGO_PKG_VERSION"));

/// How many redirects are followed before giving up.
pub const MAX_REDIRECTS: usize = 10;

/// Why an HTTP request failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{}", .0.reason)]
    Untrusted(Box<CertRejection>),
    #[error("{url}: {message}")]
    Request { url: String, message: String },
    #[error("{url}: the response is larger than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("cannot set up HTTP: {0}")]
    Setup(String),
    #[error("writing the download failed: {0}")]
    Write(std::io::Error),
}

/// The response head: everything the page-info view shows.
#[derive(Debug, Clone)]
pub struct ResponseHead {
    /// The URL after redirects.
    pub url: Url,
    pub status: u16,
    pub reason: String,
    pub version: String,
    pub headers: Vec<(String, String)>,
    /// The media type without parameters, lower-cased (`text/html`).
    pub media_type: Option<String>,
    pub charset: Option<String>,
    pub content_length: Option<u64>,
    /// The server's certificate, for HTTPS.
    pub cert: Option<CertInfo>,
}

impl ResponseHead {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A request as the HTTP tool builds it. The method is text so that a person's typo is an
/// error in words, not a panic or a silent GET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Request {
    pub fn get(url: Url) -> Request {
        Request {
            method: "GET".to_string(),
            url,
            headers: Vec::new(),
            body: None,
        }
    }
}

/// A user name and its password.
type Credentials = (String, Zeroizing<String>);

/// One client per run: connection pool, TLS sessions and trust are shared.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    trust: Arc<Trust>,
    /// Credentials given in an address (`http://user:pass@host/`), by origin, for this run
    /// only: the address shown and stored has no password, so a reload or a link on the same
    /// site finds them here, as a browser's authentication cache does.
    credentials: Arc<std::sync::Mutex<HashMap<String, Credentials>>>,
}

impl HttpClient {
    pub fn new(trust: Arc<Trust>, limits: &Limits) -> Result<HttpClient, HttpError> {
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(trust.http_config())
            .user_agent(USER_AGENT)
            .gzip(true)
            .tls_info(true)
            .no_proxy()
            .connect_timeout(limits.connect_timeout)
            .read_timeout(limits.read_timeout)
            .pool_idle_timeout(Duration::from_mins(1))
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
            .build()
            .map_err(|e| HttpError::Setup(describe(&e)))?;
        Ok(HttpClient {
            client,
            trust,
            credentials: Arc::default(),
        })
    }

    /// Sends a GET and returns the head and the response whose body is still to be read.
    pub async fn get(&self, url: &Url) -> Result<(ResponseHead, reqwest::Response), HttpError> {
        self.get_inner(url, None).await
    }

    /// A GET with HTTP Basic credentials. The password never reaches the protocol log.
    pub async fn get_with_auth(
        &self,
        url: &Url,
        user: &str,
        password: &str,
    ) -> Result<(ResponseHead, reqwest::Response), HttpError> {
        self.get_inner(url, Some((user, password))).await
    }

    /// The address without its user and password, and the credentials to send: those in the
    /// address (kept for its origin), else those kept for its origin earlier in this run.
    fn split_credentials(&self, url: &Url) -> (Url, Option<Credentials>) {
        let origin = url.origin().ascii_serialization();
        let mut bare = url.clone();
        let _ = bare.set_password(None);
        let _ = bare.set_username("");
        let user = percent_encoding::percent_decode_str(url.username())
            .decode_utf8_lossy()
            .into_owned();
        let Ok(mut kept) = self.credentials.lock() else {
            return (bare, None);
        };
        if let Some(password) = url.password() {
            let password = Zeroizing::new(
                percent_encoding::percent_decode_str(password)
                    .decode_utf8_lossy()
                    .into_owned(),
            );
            kept.insert(origin, (user.clone(), password.clone()));
            return (bare, Some((user, password)));
        }
        let found = kept
            .get(&origin)
            .filter(|(u, _)| user.is_empty() || *u == user)
            .cloned();
        (bare, found)
    }

    async fn get_inner(
        &self,
        url: &Url,
        auth: Option<(&str, &str)>,
    ) -> Result<(ResponseHead, reqwest::Response), HttpError> {
        self.send_inner(&Request::get(url.clone()), auth).await
    }

    /// Any request the HTTP tool or XML-RPC builds, with the Browser's trust, pool and
    /// credentials; the response head is read and the body left to the caller.
    pub async fn send(
        &self,
        request: &Request,
    ) -> Result<(ResponseHead, reqwest::Response), HttpError> {
        self.send_inner(request, None).await
    }

    async fn send_inner(
        &self,
        plan: &Request,
        auth: Option<(&str, &str)>,
    ) -> Result<(ResponseHead, reqwest::Response), HttpError> {
        let (bare, from_url) = self.split_credentials(&plan.url);
        let url = &bare;
        let auth = auth
            .map(|(u, p)| (u.to_string(), Zeroizing::new(p.to_string())))
            .or(from_url);
        let session = format!("http {}", url.host_str().unwrap_or("?"));
        let method = reqwest::Method::from_bytes(plan.method.as_bytes()).map_err(|_| {
            HttpError::Request {
                url: url.to_string(),
                message: format!(
                    "{:?} is not a request method: use letters only, such as GET or POST",
                    plan.method
                ),
            }
        })?;
        wire::log(&session, Flow::Sent, format!("{method} {url}").as_bytes());
        let mut request = self.client.request(method, url.clone());
        for (name, value) in &plan.headers {
            wire::log(&session, Flow::Sent, format!("{name}: {value}").as_bytes());
            request = request.header(name.as_str(), value.as_str());
        }
        if let Some(body) = &plan.body {
            request = request.body(body.clone());
        }
        if let Some((user, password)) = &auth {
            wire::log(
                &session,
                Flow::Sent,
                format!("Authorization: Basic ({user}:****)").as_bytes(),
            );
            request = request.basic_auth(user, Some(password.as_str()));
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                let host = e
                    .url()
                    .and_then(|u| u.host_str())
                    .or(url.host_str())
                    .unwrap_or_default()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_string();
                if let Some(r) = self.trust.take_rejection(&host) {
                    wire::log(&session, Flow::Note, describe(&e).as_bytes());
                    return Err(HttpError::Untrusted(Box::new(r)));
                }
                wire::log(&session, Flow::Note, describe(&e).as_bytes());
                return Err(HttpError::Request {
                    url: url.to_string(),
                    message: describe(&e),
                });
            }
        };
        let head = head_of(&response);
        wire::log(
            &session,
            Flow::Received,
            format!("{} {} {}", head.version, head.status, head.reason).as_bytes(),
        );
        for (k, v) in &head.headers {
            wire::log(&session, Flow::Received, format!("{k}: {v}").as_bytes());
        }
        Ok((head, response))
    }

    /// Fetches a whole body into memory, bounded by `limits.max_body`.
    pub async fn fetch(
        &self,
        url: &Url,
        limits: &Limits,
        progress: impl FnMut(u64, Option<u64>),
    ) -> Result<(ResponseHead, Vec<u8>), HttpError> {
        let (head, response) = self.get(url).await?;
        let body = Self::read_body_with(&head, response, limits, progress).await?;
        Ok((head, body))
    }

    /// Reads the body of an already-started response into memory, bounded by
    /// `limits.max_body`.
    pub async fn read_body(
        head: &ResponseHead,
        response: reqwest::Response,
        limits: &Limits,
    ) -> Result<Vec<u8>, HttpError> {
        Self::read_body_with(head, response, limits, |_, _| {}).await
    }

    async fn read_body_with(
        head: &ResponseHead,
        mut response: reqwest::Response,
        limits: &Limits,
        mut progress: impl FnMut(u64, Option<u64>),
    ) -> Result<Vec<u8>, HttpError> {
        if head.content_length.is_some_and(|n| n > limits.max_body) {
            return Err(HttpError::TooLarge {
                url: head.url.to_string(),
                limit: limits.max_body,
            });
        }
        let mut body = Vec::with_capacity(
            usize::try_from(head.content_length.unwrap_or(0).min(16 << 20)).unwrap_or(0),
        );
        while let Some(chunk) = response.chunk().await.map_err(|e| HttpError::Request {
            url: head.url.to_string(),
            message: describe(&e),
        })? {
            if body.len() as u64 + chunk.len() as u64 > limits.max_body {
                return Err(HttpError::TooLarge {
                    url: head.url.to_string(),
                    limit: limits.max_body,
                });
            }
            body.extend_from_slice(&chunk);
            progress(body.len() as u64, head.content_length);
        }
        Ok(body)
    }

    /// Streams the body of an already-started response into `sink`.
    pub async fn copy_body<W: std::io::Write>(
        head: &ResponseHead,
        mut response: reqwest::Response,
        sink: &mut W,
        mut progress: impl FnMut(u64, Option<u64>),
    ) -> Result<u64, HttpError> {
        let mut total = 0u64;
        while let Some(chunk) = response.chunk().await.map_err(|e| HttpError::Request {
            url: head.url.to_string(),
            message: describe(&e),
        })? {
            sink.write_all(&chunk).map_err(HttpError::Write)?;
            total += chunk.len() as u64;
            progress(total, head.content_length);
        }
        Ok(total)
    }
}

fn head_of(response: &reqwest::Response) -> ResponseHead {
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let (media_type, charset) = content_type
        .as_deref()
        .map(parse_content_type)
        .unwrap_or_default();
    let cert = response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|i| i.peer_certificate())
        .map(CertInfo::from_der);
    let status = response.status();
    ResponseHead {
        url: response.url().clone(),
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or("").to_string(),
        version: format!("{:?}", response.version()),
        headers,
        media_type,
        charset,
        content_length: response.content_length(),
        cert,
    }
}

/// Splits `text/html; charset=UTF-8` into the media type and the charset.
pub fn parse_content_type(value: &str) -> (Option<String>, Option<String>) {
    let mut parts = value.split(';');
    let media = parts
        .next()
        .map(|m| m.trim().to_ascii_lowercase())
        .filter(|m| !m.is_empty());
    let charset = parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']).to_string())
    });
    (media, charset)
}

/// Finds a charset declared in the first bytes of an HTML document (`<meta charset>` or
/// `<meta http-equiv content>`).
pub fn sniff_meta_charset(html: &[u8]) -> Option<String> {
    let head = &html[..html.len().min(4096)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("<meta") {
        rest = &rest[i + 5..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        if let Some(j) = tag.find("charset") {
            let after = tag[j + 7..].trim_start();
            if let Some(v) = after.strip_prefix('=') {
                let v = v.trim_start().trim_start_matches(['"', '\'']);
                let end = v
                    .find(|c: char| {
                        c == '"' || c == '\'' || c == ';' || c.is_whitespace() || c == '/'
                    })
                    .unwrap_or(v.len());
                if end > 0 {
                    return Some(v[..end].to_string());
                }
            }
        }
    }
    None
}

/// Decodes a body: the declared charset if known, else UTF-8 when valid, else Windows-1252.
pub fn decode_text(body: &[u8], charset: Option<&str>) -> String {
    encoding_for(body, charset).decode(body).0.into_owned()
}

/// The encoding [`decode_text`] reads `body` in: the declared one when known, else UTF-8
/// when the bytes are valid UTF-8, else windows-1252 (what browsers assume).
pub fn encoding_for(body: &[u8], charset: Option<&str>) -> &'static encoding_rs::Encoding {
    if let Some(enc) = charset.and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes())) {
        return enc;
    }
    if std::str::from_utf8(body).is_ok() {
        encoding_rs::UTF_8
    } else {
        encoding_rs::WINDOWS_1252
    }
}

/// Words for a reqwest error: the chain of causes, which holds the useful part
/// ("connection closed before message completed").
pub fn describe(err: &reqwest::Error) -> String {
    let mut parts = vec![];
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = source {
        let text = e.to_string();
        if !parts.iter().any(|p: &String| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    // reqwest's top-level text repeats the URL, which the caller already shows.
    if parts.len() > 1 {
        parts.remove(0);
    }
    let text = parts.join(": ");
    if text.contains("Connection refused") {
        return "the connection was refused: nothing listens on that port, or a firewall refuses it"
            .to_string();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_parts() {
        assert_eq!(
            parse_content_type("Text/HTML; charset=\"ISO-8859-1\""),
            (Some("text/html".into()), Some("ISO-8859-1".into()))
        );
        assert_eq!(
            parse_content_type("image/png"),
            (Some("image/png".into()), None)
        );
        assert_eq!(parse_content_type(""), (None, None));
    }

    #[test]
    fn meta_charset_sniffing() {
        assert_eq!(
            sniff_meta_charset(b"<html><head><meta charset=\"koi8-r\"></head>").as_deref(),
            Some("koi8-r")
        );
        assert_eq!(
            sniff_meta_charset(
                b"<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=windows-1251\">"
            )
            .as_deref(),
            Some("windows-1251")
        );
        assert_eq!(sniff_meta_charset(b"<meta name=x><p>charset=no"), None);
        assert_eq!(sniff_meta_charset(b"<meta charset="), None);
    }

    #[test]
    fn decoding_falls_back_sensibly() {
        assert_eq!(decode_text(b"caf\xe9", Some("latin1")), "café");
        assert_eq!(decode_text("café".as_bytes(), None), "café");
        assert_eq!(decode_text(b"caf\xe9", None), "café");
        assert_eq!(decode_text(b"\xff", Some("no-such-charset")), "ÿ");
    }
}
