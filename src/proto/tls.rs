//! TLS trust: the platform's roots, certificates the user added, and pins.
//!
//! Verification is never turned off. A certificate that fails verification stops the
//! connection; the failure, with the certificate's details, is kept so the UI can ask the user
//! to cancel, trust it once, or pin it. A pinned host whose certificate changes fails loudly.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::net::{Limits, NetError};

/// How a connection uses TLS: the same four choices for FTP, IMAP, POP3, SMTP and NNTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Upgrade (AUTH TLS, STARTTLS, STLS) when the server offers it, else plain.
    IfOffered,
    /// Upgrade or fail: never a login in plain text.
    Explicit,
    /// TLS from the first byte (`ftps://`, `imaps://`, `pops://`).
    Implicit,
    /// Never TLS: only when the user chose it.
    Plain,
}

impl TlsMode {
    /// The word the command line and the settings use.
    pub fn name(self) -> &'static str {
        match self {
            TlsMode::IfOffered => "auto",
            TlsMode::Explicit => "require",
            TlsMode::Implicit => "implicit",
            TlsMode::Plain => "plain",
        }
    }

    /// The mode a word names; anything else is `auto`.
    pub fn from_name(name: &str) -> TlsMode {
        match name {
            "require" => TlsMode::Explicit,
            "implicit" => TlsMode::Implicit,
            "plain" => TlsMode::Plain,
            _ => TlsMode::IfOffered,
        }
    }
}

/// Why TLS could not be set up at all.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("cannot read certificate file {path}: {reason}")]
    CertFile { path: String, reason: String },
    #[error("no certificate found in {0}")]
    EmptyCertFile(String),
    #[error("cannot build the certificate verifier: {0}")]
    Verifier(String),
}

/// What a person needs to decide whether to trust a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    /// SHA-256 of the DER encoding, as colon-separated upper-case hex.
    pub sha256: String,
}

impl CertInfo {
    /// Describes a DER certificate; undecodable input still gets its fingerprint.
    pub fn from_der(der: &[u8]) -> CertInfo {
        let sha256 = fingerprint(der);
        match x509_parser::parse_x509_certificate(der) {
            Ok((_, cert)) => CertInfo {
                subject: cert.subject().to_string(),
                issuer: cert.issuer().to_string(),
                not_before: cert.validity().not_before.to_string(),
                not_after: cert.validity().not_after.to_string(),
                sha256,
            },
            Err(e) => CertInfo {
                subject: format!("(undecodable certificate: {e})"),
                issuer: String::new(),
                not_before: String::new(),
                not_after: String::new(),
                sha256,
            },
        }
    }
}

/// SHA-256 fingerprint as `AB:CD:...`.
pub fn fingerprint(der: &[u8]) -> String {
    let digest = Sha256::digest(der);
    let mut out = String::with_capacity(digest.len() * 3);
    for (i, b) in digest.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push_str(&format!("{b:02X}"));
    }
    out
}

/// Why a certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectionKind {
    /// Not signed by a trusted root (or expired, or for another name).
    Unverified,
    /// The host was pinned to other certificates: possibly an attack.
    PinChanged { pinned: Vec<String> },
}

/// A refused certificate, kept for the trust dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertRejection {
    pub host: String,
    pub reason: String,
    pub kind: RejectionKind,
    pub cert: CertInfo,
}

/// The trust decisions of one run: roots, pins, and the last refusal per host.
pub struct Trust {
    verifier: Arc<PinningVerifier>,
    config: Arc<ClientConfig>,
    sessions: Arc<Sessions>,
}

/// TLS sessions kept for resumption (one per run, shared by every connection, which servers
/// that insist on session reuse need). A resumed session skips the certificate check, so when
/// a pin is withdrawn the sessions are forgotten and the next connection is checked again.
#[derive(Debug)]
struct Sessions {
    cache: RwLock<Arc<rustls::client::ClientSessionMemoryCache>>,
}

const SESSIONS_KEPT: usize = 256;

impl Sessions {
    fn new() -> Sessions {
        Sessions {
            cache: RwLock::new(Arc::new(rustls::client::ClientSessionMemoryCache::new(
                SESSIONS_KEPT,
            ))),
        }
    }

    fn current(&self) -> Arc<rustls::client::ClientSessionMemoryCache> {
        match self.cache.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn forget(&self) {
        if let Ok(mut c) = self.cache.write() {
            *c = Arc::new(rustls::client::ClientSessionMemoryCache::new(SESSIONS_KEPT));
        }
    }
}

impl rustls::client::ClientSessionStore for Sessions {
    fn set_kx_hint(&self, server_name: ServerName<'static>, group: rustls::NamedGroup) {
        self.current().set_kx_hint(server_name, group);
    }

    fn kx_hint(&self, server_name: &ServerName<'_>) -> Option<rustls::NamedGroup> {
        self.current().kx_hint(server_name)
    }

    fn set_tls12_session(
        &self,
        server_name: ServerName<'static>,
        value: rustls::client::Tls12ClientSessionValue,
    ) {
        self.current().set_tls12_session(server_name, value);
    }

    fn tls12_session(
        &self,
        server_name: &ServerName<'_>,
    ) -> Option<rustls::client::Tls12ClientSessionValue> {
        self.current().tls12_session(server_name)
    }

    fn remove_tls12_session(&self, server_name: &ServerName<'static>) {
        self.current().remove_tls12_session(server_name);
    }

    fn insert_tls13_ticket(
        &self,
        server_name: ServerName<'static>,
        value: rustls::client::Tls13ClientSessionValue,
    ) {
        self.current().insert_tls13_ticket(server_name, value);
    }

    fn take_tls13_ticket(
        &self,
        server_name: &ServerName<'static>,
    ) -> Option<rustls::client::Tls13ClientSessionValue> {
        self.current().take_tls13_ticket(server_name)
    }
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trust").finish_non_exhaustive()
    }
}

impl Trust {
    /// Platform roots plus `extra_roots` (from `--cacert` or settings).
    pub fn new(extra_roots: Vec<CertificateDer<'static>>) -> Result<Arc<Trust>, TlsSetupError> {
        let extra_roots_copy = extra_roots.clone();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let inner: Arc<dyn ServerCertVerifier> =
            match rustls_platform_verifier::Verifier::new_with_extra_roots(
                extra_roots.clone(),
                provider.clone(),
            ) {
                Ok(v) => Arc::new(v),
                Err(platform_err) => {
                    // No usable system store: fall back to the extra roots alone.
                    let mut roots = rustls::RootCertStore::empty();
                    for c in extra_roots {
                        let _ = roots.add(c);
                    }
                    rustls::client::WebPkiServerVerifier::builder_with_provider(
                        Arc::new(roots),
                        provider.clone(),
                    )
                    .build()
                    .map_err(|e| {
                        TlsSetupError::Verifier(format!("{platform_err}; fallback: {e}"))
                    })?
                }
            };
        let named = extra_roots_der(&extra_roots_copy);
        let verifier = Arc::new(PinningVerifier {
            inner,
            named,
            pins: RwLock::new(HashMap::new()),
            rejections: Mutex::new(HashMap::new()),
        });
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsSetupError::Verifier(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(verifier.clone())
            .with_no_client_auth();
        let sessions = Arc::new(Sessions::new());
        config.resumption = rustls::client::Resumption::store(sessions.clone());
        Ok(Arc::new(Trust {
            verifier,
            config: Arc::new(config),
            sessions,
        }))
    }

    /// Reads every certificate in a PEM file.
    pub fn load_pem(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
        let shown = path.display().to_string();
        let iter = CertificateDer::pem_file_iter(path).map_err(|e| TlsSetupError::CertFile {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let certs = iter
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsSetupError::CertFile {
                path: shown.clone(),
                reason: e.to_string(),
            })?;
        if certs.is_empty() {
            return Err(TlsSetupError::EmptyCertFile(shown));
        }
        Ok(certs)
    }

    /// The shared client configuration: one per run, so TLS sessions can be resumed.
    pub fn client_config(&self) -> Arc<ClientConfig> {
        self.config.clone()
    }

    /// A configuration with ALPN for HTTP/2 and HTTP/1.1, same verifier.
    pub fn http_config(&self) -> ClientConfig {
        let mut c = (*self.config).clone();
        c.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        c
    }

    /// Accepts the certificate with this fingerprint for `host` from now on in this run.
    pub fn pin(&self, host: &str, sha256: &str) {
        if let Ok(mut pins) = self.verifier.pins.write() {
            pins.entry(host.to_ascii_lowercase())
                .or_default()
                .insert(sha256.to_string());
        }
    }

    /// Forgets a pin; sessions resumed without a check are forgotten with it.
    pub fn unpin(&self, host: &str, sha256: &str) {
        if let Ok(mut pins) = self.verifier.pins.write()
            && let Some(set) = pins.get_mut(&host.to_ascii_lowercase())
        {
            set.remove(sha256);
        }
        self.sessions.forget();
    }

    /// The refusal that made the last connection to `host` fail, if any.
    pub fn take_rejection(&self, host: &str) -> Option<CertRejection> {
        self.verifier
            .rejections
            .lock()
            .ok()
            .and_then(|mut r| r.remove(&host.to_ascii_lowercase()))
    }

    /// Runs the TLS handshake over `tcp`, bounded by the connect timeout.
    pub async fn wrap<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        tcp: S,
        host: &str,
        port: u16,
        limits: &Limits,
    ) -> Result<TlsStream<S>, NetError> {
        let name = ServerName::try_from(host.to_string())
            .map_err(|_| NetError::BadServerName(host.to_string()))?;
        let connector = TlsConnector::from(self.config.clone());
        let addr = format!("{host}:{port}");
        match tokio::time::timeout(limits.connect_timeout, connector.connect(name, tcp)).await {
            Err(_) => Err(NetError::ConnectTimeout {
                addr,
                secs: limits.connect_timeout.as_secs(),
            }),
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(source)) => match self.take_rejection(host) {
                Some(r) => Err(NetError::Untrusted(Box::new(r))),
                None => Err(NetError::Tls { addr, source }),
            },
        }
    }
}

fn extra_roots_der(certs: &[CertificateDer<'static>]) -> HashSet<Vec<u8>> {
    certs.iter().map(|c| c.as_ref().to_vec()).collect()
}

#[derive(Debug)]
struct PinningVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    /// Certificates the user named (`--cacert`, `PORTOLAN_CACERT`). One the server presents
    /// as its own is accepted even when it says it is a CA (`openssl req -x509` makes such
    /// self-signed certificates, which webpki refuses as `CaUsedAsEndEntity`), as curl and
    /// lftp accept it; its dates and names are still checked.
    named: HashSet<Vec<u8>>,
    pins: RwLock<HashMap<String, HashSet<String>>>,
    rejections: Mutex<HashMap<String, CertRejection>>,
}

fn host_of(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(d) => d.as_ref().to_ascii_lowercase(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let host = host_of(server_name);
        let fp = fingerprint(end_entity);
        let pinned: Vec<String> = self
            .pins
            .read()
            .ok()
            .and_then(|p| p.get(&host).map(|s| s.iter().cloned().collect()))
            .unwrap_or_default();
        if pinned.contains(&fp) {
            return Ok(ServerCertVerified::assertion());
        }
        let verdict = if self.named.contains(end_entity.as_ref()) {
            check_named(end_entity, server_name, now)
        } else {
            self.inner.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            )
        };
        match verdict {
            Ok(ok) => Ok(ok),
            Err(err) => {
                let kind = if pinned.is_empty() {
                    RejectionKind::Unverified
                } else {
                    RejectionKind::PinChanged { pinned }
                };
                let info = CertInfo::from_der(end_entity);
                let rejection = CertRejection {
                    host: host.clone(),
                    reason: explain(&err, &info, &host),
                    kind,
                    cert: info,
                };
                if let Ok(mut r) = self.rejections.lock() {
                    r.insert(host, rejection);
                }
                Err(err)
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Checks a certificate the user named and the server presented as its own: within its dates
/// and issued for the name connected to. Its signature on the handshake is checked as always.
fn check_named(
    der: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<ServerCertVerified, rustls::Error> {
    use rustls::CertificateError;
    let bad = |e| Err(rustls::Error::InvalidCertificate(e));
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der.as_ref()) else {
        return bad(CertificateError::BadEncoding);
    };
    let secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    let validity = cert.validity();
    if secs < validity.not_before.timestamp() {
        return bad(CertificateError::NotValidYet);
    }
    if secs > validity.not_after.timestamp() {
        return bad(CertificateError::Expired);
    }
    if names_of(&cert).iter().any(|n| name_matches(n, server_name)) {
        Ok(ServerCertVerified::assertion())
    } else {
        bad(CertificateError::NotValidForName)
    }
}

/// The names a certificate is for: its subject alternative names, else its common name.
fn names_of(cert: &x509_parser::certificate::X509Certificate<'_>) -> Vec<String> {
    use x509_parser::extensions::GeneralName;
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                GeneralName::DNSName(d) => names.push(d.to_ascii_lowercase()),
                GeneralName::IPAddress(b) => {
                    if let Ok(v4) = <[u8; 4]>::try_from(*b) {
                        names.push(std::net::IpAddr::from(v4).to_string());
                    } else if let Ok(v6) = <[u8; 16]>::try_from(*b) {
                        names.push(std::net::IpAddr::from(v6).to_string());
                    }
                }
                _ => {}
            }
        }
        return names;
    }
    cert.subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Whether `name` from a certificate covers the host connected to (`*.` covers one label).
fn name_matches(name: &str, server_name: &ServerName<'_>) -> bool {
    let host = host_of(server_name);
    if name == host {
        return true;
    }
    match (name.strip_prefix("*."), host.split_once('.')) {
        (Some(suffix), Some((first, rest))) => !first.is_empty() && rest == suffix,
        _ => false,
    }
}

/// Why a certificate was refused, in words a person can act on.
fn explain(err: &rustls::Error, cert: &CertInfo, host: &str) -> String {
    use rustls::{CertificateError, OtherError};
    let self_signed = !cert.subject.is_empty() && cert.subject == cert.issuer;
    let what_to_do = "pass --cacert FILE or trust it in the dialog";
    let rustls::Error::InvalidCertificate(e) = err else {
        return format!("the certificate of {host} could not be checked ({err})");
    };
    match e {
        CertificateError::UnknownIssuer if self_signed => {
            format!("the certificate of {host} is self-signed and not trusted: {what_to_do}")
        }
        CertificateError::UnknownIssuer => format!(
            "the certificate of {host} was issued by {}, which is not a trusted authority: {what_to_do}",
            cert.issuer
        ),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            format!("the certificate of {host} expired on {}", cert.not_after)
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            format!(
                "the certificate of {host} is not valid before {}",
                cert.not_before
            )
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!(
                "the certificate of {host} was issued for another name ({})",
                cert.subject
            )
        }
        CertificateError::Revoked => format!("the certificate of {host} has been revoked"),
        CertificateError::Other(OtherError(inner))
            if format!("{inner:?}").contains("CaUsedAsEndEntity") =>
        {
            format!(
                "the certificate of {host} is self-signed (a CA certificate used by the server itself) and not trusted: {what_to_do}"
            )
        }
        CertificateError::BadSignature => format!(
            "the certificate of {host} has a wrong signature: it may have been tampered with"
        ),
        other => format!("the certificate of {host} is not valid ({other:?}): {what_to_do}"),
    }
}

/// Installs the one crypto provider of the build. Safe to call more than once.
pub fn install_crypto_provider() {
    let _ = CryptoProvider::install_default(rustls::crypto::ring::default_provider());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_format() {
        let fp = fingerprint(b"");
        assert_eq!(fp.len(), 32 * 3 - 1);
        assert!(fp.starts_with("E3:B0:C4:42"));
    }

    #[test]
    fn garbage_certificate_still_has_a_fingerprint() {
        let info = CertInfo::from_der(b"not a certificate");
        assert!(info.subject.starts_with("(undecodable"));
        assert_eq!(info.sha256, fingerprint(b"not a certificate"));
    }

    #[test]
    fn missing_cert_file_is_a_clear_error() {
        let err = Trust::load_pem(Path::new("/nonexistent/ca.pem")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/ca.pem"));
        let dir = tempfile::tempdir().expect("tmp");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "hello").expect("write");
        assert!(matches!(
            Trust::load_pem(&empty),
            Err(TlsSetupError::EmptyCertFile(_))
        ));
    }
}
