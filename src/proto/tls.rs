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
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::net::{Limits, NetError};

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
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trust").finish_non_exhaustive()
    }
}

impl Trust {
    /// Platform roots plus `extra_roots` (from `--cacert` or settings).
    pub fn new(extra_roots: Vec<CertificateDer<'static>>) -> Result<Arc<Trust>, TlsSetupError> {
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
        let verifier = Arc::new(PinningVerifier {
            inner,
            pins: RwLock::new(HashMap::new()),
            rejections: Mutex::new(HashMap::new()),
        });
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsSetupError::Verifier(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(verifier.clone())
            .with_no_client_auth();
        Ok(Arc::new(Trust {
            verifier,
            config: Arc::new(config),
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

    /// Forgets a pin.
    pub fn unpin(&self, host: &str, sha256: &str) {
        if let Ok(mut pins) = self.verifier.pins.write()
            && let Some(set) = pins.get_mut(&host.to_ascii_lowercase())
        {
            set.remove(sha256);
        }
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
    pub async fn wrap(
        &self,
        tcp: TcpStream,
        host: &str,
        port: u16,
        limits: &Limits,
    ) -> Result<TlsStream<TcpStream>, NetError> {
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

#[derive(Debug)]
struct PinningVerifier {
    inner: Arc<dyn ServerCertVerifier>,
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
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(ok) => Ok(ok),
            Err(err) => {
                let kind = if pinned.is_empty() {
                    RejectionKind::Unverified
                } else {
                    RejectionKind::PinChanged { pinned }
                };
                let rejection = CertRejection {
                    host: host.clone(),
                    reason: err.to_string(),
                    kind,
                    cert: CertInfo::from_der(end_entity),
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
