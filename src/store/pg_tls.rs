//! TLS to the database as libpq does it. The connection string (or
//! `PGSSLMODE`, `PGSSLROOTCERT`, `PGSSLCERT`, `PGSSLKEY`) says:
//! - `sslmode`: `disable`; `allow` and `prefer` (TLS when the server offers
//!   it); `require` (TLS or nothing); `verify-ca` (and the server's
//!   certificate signed by a trusted authority); `verify-full` (and made out
//!   to the host connected to). Under `prefer` and `require`, a root
//!   certificate file that exists makes them check the authority, as
//!   `verify-ca` does (libpq's rule). The default is `prefer`.
//! - `sslrootcert`: the authorities' certificates (PEM; default
//!   `~/.postgresql/root.crt`).
//! - `sslcert`, `sslkey`: a client certificate and its key (PEM; default
//!   `~/.postgresql/postgresql.crt` and `.key`, used when both exist). The
//!   key file must not be readable by group or others (libpq's rule).
//!
//! The client's own parser knows `disable`, `prefer` and `require` only;
//! these settings are taken out of the string here, and the TLS of every
//! connection is built from them (rustls).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::SslMode as ClientMode;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::domain::{Error, Result};

/// `sslmode`, as libpq names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl Mode {
    fn parse(s: &str) -> Result<Mode> {
        Ok(match s {
            "disable" => Mode::Disable,
            "allow" => Mode::Allow,
            "prefer" => Mode::Prefer,
            "require" => Mode::Require,
            "verify-ca" => Mode::VerifyCa,
            "verify-full" => Mode::VerifyFull,
            _ => {
                return Err(Error::invalid(format!(
                "sslmode {s:?} is not one of disable, allow, prefer, require, verify-ca, verify-full"
            )))
            }
        })
    }

    /// What the client negotiates: the verifying modes require TLS.
    pub fn client_mode(self) -> ClientMode {
        match self {
            Mode::Disable => ClientMode::Disable,
            Mode::Allow | Mode::Prefer => ClientMode::Prefer,
            Mode::Require | Mode::VerifyCa | Mode::VerifyFull => ClientMode::Require,
        }
    }
}

/// The TLS settings of a connection string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub mode: Mode,
    pub rootcert: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

const KEYS: [&str; 4] = ["sslmode", "sslrootcert", "sslcert", "sslkey"];

/// Takes the TLS settings out of a connection string (URL or `key=value`
/// words): the string without them, and the settings, the environment's
/// (`PGSSLMODE` …) where the string says nothing.
pub fn take(s: &str) -> Result<(String, Settings)> {
    let (rest, found) = if s.starts_with("postgres://") || s.starts_with("postgresql://") {
        take_from_url(s)
    } else {
        take_from_words(s)?
    };
    let get = |k: &str, var: &str| {
        found
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var(var).ok())
            .filter(|v| !v.is_empty())
    };
    let mode = match get("sslmode", "PGSSLMODE") {
        Some(m) => Mode::parse(&m)?,
        None => Mode::Prefer,
    };
    Ok((
        rest,
        Settings {
            mode,
            rootcert: get("sslrootcert", "PGSSLROOTCERT").map(PathBuf::from),
            cert: get("sslcert", "PGSSLCERT").map(PathBuf::from),
            key: get("sslkey", "PGSSLKEY").map(PathBuf::from),
        },
    ))
}

/// `postgresql://…?a=b&sslmode=…`: the query's TLS pairs taken out.
fn take_from_url(s: &str) -> (String, Vec<(String, String)>) {
    let Some((base, query)) = s.split_once('?') else {
        return (s.to_string(), Vec::new());
    };
    let mut kept = Vec::new();
    let mut found = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if KEYS.contains(&k) {
            found.push((k.to_string(), percent_decoded(v)));
        } else {
            kept.push(pair);
        }
    }
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (rest, found)
}

fn percent_decoded(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).and_then(|c| hex(*c)),
            b.get(i + 2).and_then(|c| hex(*c)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, ..) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `host=… sslmode=… dbname='a b'`: the TLS words taken out, the others
/// written back as given.
fn take_from_words(s: &str) -> Result<(String, Vec<(String, String)>)> {
    let unreadable = || {
        Error::invalid("the database connection string cannot be read (postgresql://USER@HOST:PORT/DB or host=… dbname=…)")
    };
    let mut kept: Vec<String> = Vec::new();
    let mut found = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(_) = chars.peek() else { break };
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(unreadable());
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        // The value as written (kept whole for the words passed on), and as meant.
        let (mut raw, mut value) = (String::new(), String::new());
        if chars.next_if_eq(&'\'').is_some() {
            raw.push('\'');
            loop {
                match chars.next().ok_or_else(unreadable)? {
                    '\'' => break,
                    '\\' => {
                        let c = chars.next().ok_or_else(unreadable)?;
                        raw.extend(['\\', c]);
                        value.push(c);
                    }
                    c => {
                        raw.push(c);
                        value.push(c);
                    }
                }
            }
            raw.push('\'');
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                let c = if c == '\\' {
                    raw.push('\\');
                    chars.next().ok_or_else(unreadable)?
                } else {
                    c
                };
                raw.push(c);
                value.push(c);
            }
        }
        if KEYS.contains(&key.as_str()) {
            found.push((key, value));
        } else {
            kept.push(format!("{key}={raw}"));
        }
    }
    Ok((kept.join(" "), found))
}

fn home_file(name: &str) -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| Path::new(&h).join(".postgresql").join(name))
}

/// ring: it builds with a C compiler alone (no cmake or assembler).
#[allow(deprecated)]
fn crypto() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The client's TLS for these settings: the authorities read, the client
/// certificate loaded. A file named and missing or unreadable is refused in
/// one line (exit 6), as libpq refuses it.
pub fn connector(s: &Settings) -> Result<MakeRustlsConnect> {
    let provider = crypto();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::unavailable(format!("TLS: {e}")))?;
    let verifier: Arc<dyn ServerCertVerifier> = match (s.mode, roots(s)?) {
        (Mode::Disable, _) | (Mode::Allow | Mode::Prefer | Mode::Require, None) => {
            Arc::new(Unverified(provider))
        }
        (Mode::VerifyFull, Some(roots)) => webpki(roots, provider)?,
        (_, Some(roots)) => Arc::new(AnyName(webpki(roots, provider)?)),
        (Mode::VerifyCa | Mode::VerifyFull, None) => unreachable!("roots() requires them"),
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let config = match client_pair(s)? {
        Some((certs, key)) => builder.with_client_auth_cert(certs, key).map_err(|e| {
            Error::unavailable(format!("the client certificate cannot be used: {e}"))
        })?,
        None => builder.with_no_client_auth(),
    };
    Ok(MakeRustlsConnect::new(config))
}

fn webpki(
    roots: RootCertStore,
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>> {
    let v = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| Error::unavailable(format!("the root certificates cannot be used: {e}")))?;
    Ok(v)
}

/// The authorities to check the server's certificate against: `None`
/// where the mode checks nothing and no root file exists.
fn roots(s: &Settings) -> Result<Option<RootCertStore>> {
    let verifying = matches!(s.mode, Mode::VerifyCa | Mode::VerifyFull);
    if s.mode == Mode::Disable {
        return Ok(None);
    }
    let (path, named) = match (&s.rootcert, home_file("root.crt")) {
        (Some(p), _) => (p.clone(), true),
        (None, Some(p)) => (p, false),
        (None, None) if verifying => {
            return Err(Error::unavailable(format!(
                "sslmode={} needs the authorities' certificates: give sslrootcert=FILE",
                if s.mode == Mode::VerifyCa {
                    "verify-ca"
                } else {
                    "verify-full"
                }
            )))
        }
        (None, None) => return Ok(None),
    };
    if path.as_os_str() == "system" {
        return Err(Error::unavailable(
            "sslrootcert=system is not supported: name a file of the authorities' certificates (PEM)",
        ));
    }
    if !path.exists() {
        if named || verifying {
            return Err(Error::unavailable(format!(
                "root certificate file {:?} does not exist: provide it or name another with sslrootcert=FILE, or change sslmode to one that does not verify the server's certificate",
                path.display().to_string()
            )));
        }
        return Ok(None);
    }
    let mut store = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(&path)
        .and_then(|it| it.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| {
            Error::unavailable(format!(
                "root certificate file {:?} cannot be read: {e}",
                path.display().to_string()
            ))
        })?;
    let (added, _) = store.add_parsable_certificates(certs);
    if added == 0 {
        return Err(Error::unavailable(format!(
            "root certificate file {:?} holds no certificate",
            path.display().to_string()
        )));
    }
    Ok(Some(store))
}

type Pair = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

/// The client certificate and key: the named ones, else the default pair
/// where both files exist.
fn client_pair(s: &Settings) -> Result<Option<Pair>> {
    if s.mode == Mode::Disable {
        return Ok(None);
    }
    let named = s.cert.is_some() || s.key.is_some();
    let cert = s.cert.clone().or_else(|| home_file("postgresql.crt"));
    let key = s.key.clone().or_else(|| home_file("postgresql.key"));
    let (Some(cert), Some(key)) = (cert, key) else {
        return Ok(None);
    };
    if !named && !(cert.exists() && key.exists()) {
        return Ok(None);
    }
    let shown = |p: &Path| p.display().to_string();
    let certs = CertificateDer::pem_file_iter(&cert)
        .and_then(|it| it.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| {
            Error::unavailable(format!(
                "certificate file {:?} cannot be read: {e}",
                shown(&cert)
            ))
        })?;
    key_file_private(&key)?;
    let key = PrivateKeyDer::from_pem_file(&key).map_err(|e| {
        Error::unavailable(format!(
            "private key file {:?} cannot be read: {e}",
            shown(&key)
        ))
    })?;
    Ok(Some((certs, key)))
}

/// libpq's rule: a key file readable by group or others is refused.
fn key_file_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::unavailable(format!(
            "private key file {:?} cannot be read: {e}",
            path.display().to_string()
        ))
    })?;
    if meta.mode() & 0o077 != 0 {
        return Err(Error::unavailable(format!(
            "private key file {:?} has group or world access; it must have permissions u=rw (0600) or less",
            path.display().to_string()
        )));
    }
    Ok(())
}

/// `prefer` and `require` without a root file: encrypted, the server's
/// certificate not checked (libpq does the same).
#[derive(Debug)]
struct Unverified(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca` (and `prefer`/`require` with a root file): the authority
/// checked, the host name not.
#[derive(Debug)]
struct AnyName(Arc<dyn ServerCertVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end, intermediates, name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// A connection refused for the server's certificate, in words (`None`:
/// another cause).
pub fn refusal(cause: &str) -> Option<String> {
    let detail = cause.strip_prefix("invalid peer certificate: ")?;
    let why = match detail {
        "UnknownIssuer" => "it is not signed by an authority of sslrootcert".to_string(),
        "Expired" => "it has expired".to_string(),
        "NotValidYet" => "it is not valid yet".to_string(),
        "Revoked" => "it is revoked".to_string(),
        d if d.starts_with("certificate not valid for name") => {
            format!("it is not made out to the host connected to ({d}; sslmode=verify-ca checks the authority only)")
        }
        d => d.to_string(),
    };
    Some(format!(
        "the database server's certificate is not trusted: {why}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> (String, Settings) {
        take(s).unwrap()
    }

    #[test]
    fn tls_settings_are_taken_out_of_a_url() {
        let (rest, s) = words(
            "postgresql://u@db.example:5432/tw?application_name=x&sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem",
        );
        assert_eq!(rest, "postgresql://u@db.example:5432/tw?application_name=x");
        assert_eq!(s.mode, Mode::VerifyFull);
        assert_eq!(s.rootcert, Some(PathBuf::from("/tmp/ca.pem")));
        let (rest, s) = words("postgresql://u@h/tw?sslmode=verify-ca");
        assert_eq!(rest, "postgresql://u@h/tw");
        assert_eq!(s.mode, Mode::VerifyCa);
    }

    #[test]
    fn tls_settings_are_taken_out_of_key_value_words() {
        let (rest, s) = words(
            "host=db.example dbname='plant ops' sslmode = require sslcert='/a b/c.crt' sslkey=/k\\ ey user=tw",
        );
        assert_eq!(rest, "host=db.example dbname='plant ops' user=tw");
        assert_eq!(s.mode, Mode::Require);
        assert_eq!(s.cert, Some(PathBuf::from("/a b/c.crt")));
        assert_eq!(s.key, Some(PathBuf::from("/k ey")));
        assert!(take("host=a sslmode=sometimes").is_err());
        assert!(take("host=a dbname='open").is_err());
    }

    #[test]
    fn the_verifying_modes_need_the_authorities() {
        let s = Settings {
            mode: Mode::VerifyFull,
            rootcert: Some(PathBuf::from("/nonexistent/ca.pem")),
            cert: None,
            key: None,
        };
        let e = connector(&s).err().unwrap();
        assert!(e.message.contains("does not exist"), "{e}");
        assert_eq!(Mode::VerifyCa.client_mode(), ClientMode::Require);
        assert_eq!(Mode::Allow.client_mode(), ClientMode::Prefer);
    }

    #[test]
    fn a_refused_certificate_is_said_in_words() {
        let r = refusal("invalid peer certificate: UnknownIssuer").unwrap();
        assert!(
            r.contains("not signed by an authority of sslrootcert"),
            "{r}"
        );
        assert_eq!(refusal("connection refused"), None);
    }
}
