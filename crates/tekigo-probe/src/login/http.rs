//! HTTP logins over plain HTTP: basic auth (RFC 7617), digest auth (RFC 7616, MD5 and SHA-256,
//! with or without `-sess`, qop `auth`, computed by hand), and simple HTML login forms.
//!
//! A minimal HTTP/1.1 client over one TCP connection per request (`Connection: close`), which is
//! all a device's web UI needs; bodies are read up to [`MAX_BODY`].
//!
//! Form logins are judged by heuristics, stated here once: the attempt failed when the reply is
//! 401/403, or shows the password field again, or says "invalid/incorrect/failed/error"; it
//! succeeded on a redirect (301/302/303/307) or a 200 page without a password field.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;

use md5::Md5;
use sha2::{Digest as _, Sha256};
use tokio::io::AsyncWriteExt;

use super::{Outcome, io_outcome, says_lockout};
use crate::finding::Credential;
use crate::net;
use crate::observation::Limits;

pub const MAX_BODY: usize = 256 * 1024;

/// How a web UI asks for credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthKind {
    Basic {
        realm: String,
    },
    /// RFC 7616; the algorithm as the server named it (`MD5`, `SHA-256`, `...-sess`).
    Digest {
        realm: String,
        algorithm: String,
    },
    Form(Form),
}

impl AuthKind {
    pub fn describe(&self) -> String {
        match self {
            AuthKind::Basic { realm } => format!("HTTP basic authentication (realm \"{realm}\")"),
            AuthKind::Digest { realm, algorithm } => {
                format!("HTTP digest authentication, {algorithm} (realm \"{realm}\")")
            }
            AuthKind::Form(form) => format!("HTML login form posting to {}", form.action),
        }
    }
}

/// An HTML login form: where it posts, its user and password fields, and hidden fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub action: String,
    pub method: String,
    pub user_field: Option<String>,
    pub password_field: String,
    pub hidden: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// Header names in lowercase, in order; repeated headers repeat.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> impl Iterator<Item = &str> {
        self.headers.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn status_line(&self) -> String {
        format!("HTTP {}", self.status)
    }
}

pub fn parse_response(data: &[u8]) -> Option<Response> {
    let split = data
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| (p, p + 4))
        .or_else(|| data.windows(2).position(|w| w == b"\n\n").map(|p| (p, p + 2)))?;
    let head = String::from_utf8_lossy(&data[..split.0]);
    let mut lines = head.lines();
    let status_line = lines.next()?;
    if !status_line.starts_with("HTTP/") {
        return None;
    }
    let status = status_line.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Some(Response { status, headers, body: String::from_utf8_lossy(&data[split.1..]).into_owned() })
}

/// Sends one request and reads the reply.
pub async fn request(
    ip: IpAddr,
    port: u16,
    method: &str,
    path: &str,
    extra_headers: &[(&str, String)],
    body: Option<&str>,
    limits: &Limits,
) -> std::io::Result<Response> {
    let mut stream = net::connect(ip, port, limits.connect_timeout).await?;
    let host = match ip {
        IpAddr::V4(v4) => format!("{v4}:{port}"),
        IpAddr::V6(v6) => format!("[{v6}]:{port}"),
    };
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: tekigo-probe\r\nAccept: */*\r\nConnection: close\r\n"
    );
    for (name, value) in extra_headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    if let Some(body) = body {
        let _ = write!(head, "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n", body.len());
    }
    head.push_str("\r\n");
    if let Some(body) = body {
        head.push_str(body);
    }
    stream.write_all(head.as_bytes()).await?;
    let (data, _) = net::read_until(&mut stream, limits.read_timeout, MAX_BODY, |_| false).await?;
    parse_response(&data).ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "not an HTTP response"))
}

/// `name="value"` pairs of an authentication challenge after its scheme word.
pub fn challenge_params(value: &str) -> BTreeMap<String, String> {
    let mut params = BTreeMap::new();
    let mut rest = value.trim();
    if let Some((_, after)) = rest.split_once(char::is_whitespace) {
        rest = after;
    }
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i] == b',' || bytes[i].is_ascii_whitespace()) {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i] != b'=' && bytes[i] != b',' {
            i += 1;
        }
        let name = rest[start..i].trim().to_ascii_lowercase();
        if i >= bytes.len() || bytes[i] != b'=' {
            continue;
        }
        i += 1;
        let value = if i < bytes.len() && bytes[i] == b'"' {
            i += 1;
            let mut value = String::new();
            while i < bytes.len() && bytes[i] != b'"' {
                if bytes[i] == b'\\' && i + 1 < bytes.len() {
                    i += 1;
                }
                value.push(char::from(bytes[i]));
                i += 1;
            }
            i += 1;
            value
        } else {
            let start = i;
            while i < bytes.len() && bytes[i] != b',' {
                i += 1;
            }
            rest[start..i].trim().to_owned()
        };
        if !name.is_empty() {
            params.insert(name, value);
        }
    }
    params
}

fn hex_digest(algorithm: &str, data: &str) -> String {
    let bytes: Vec<u8> = if algorithm.to_ascii_uppercase().starts_with("SHA-256") {
        Sha256::digest(data.as_bytes()).to_vec()
    } else {
        Md5::digest(data.as_bytes()).to_vec()
    };
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The `Authorization` header value answering a digest challenge (RFC 7616 §3.4).
pub fn digest_authorization(
    params: &BTreeMap<String, String>,
    credential: &Credential,
    method: &str,
    uri: &str,
    cnonce: &str,
) -> String {
    let realm = params.get("realm").map_or("", String::as_str);
    let nonce = params.get("nonce").map_or("", String::as_str);
    let algorithm = params.get("algorithm").map_or("MD5", String::as_str);
    let qop = params
        .get("qop")
        .and_then(|qop| qop.split(',').map(str::trim).find(|q| q.eq_ignore_ascii_case("auth")))
        .map(str::to_owned);
    let nc = "00000001";
    let mut ha1 = hex_digest(algorithm, &format!("{}:{realm}:{}", credential.username, credential.password));
    if algorithm.to_ascii_lowercase().ends_with("-sess") {
        ha1 = hex_digest(algorithm, &format!("{ha1}:{nonce}:{cnonce}"));
    }
    let ha2 = hex_digest(algorithm, &format!("{method}:{uri}"));
    let response = match &qop {
        Some(qop) => hex_digest(algorithm, &format!("{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")),
        None => hex_digest(algorithm, &format!("{ha1}:{nonce}:{ha2}")),
    };
    let mut header = format!(
        "Digest username=\"{}\", realm=\"{realm}\", uri=\"{uri}\", algorithm={algorithm}, nonce=\"{nonce}\", response=\"{response}\"",
        credential.username
    );
    if let Some(qop) = qop {
        let _ = write!(header, ", qop={qop}, nc={nc}, cnonce=\"{cnonce}\"");
    }
    if let Some(opaque) = params.get("opaque") {
        let _ = write!(header, ", opaque=\"{opaque}\"");
    }
    header
}

fn base64(data: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(TABLE[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn basic_authorization(credential: &Credential) -> String {
    format!("Basic {}", base64(format!("{}:{}", credential.username, credential.password).as_bytes()))
}

/// The strongest authentication a 401 asks for: digest SHA-256, digest MD5, then basic.
pub fn auth_from_challenge(response: &Response) -> Option<AuthKind> {
    let challenges: Vec<&str> = response.header("www-authenticate").collect();
    let digests: Vec<BTreeMap<String, String>> = challenges
        .iter()
        .filter(|c| c.trim_start().to_ascii_lowercase().starts_with("digest"))
        .map(|c| challenge_params(c))
        .collect();
    let pick = digests
        .iter()
        .find(|p| p.get("algorithm").is_some_and(|a| a.to_ascii_uppercase().starts_with("SHA-256")))
        .or_else(|| digests.first());
    if let Some(params) = pick {
        return Some(AuthKind::Digest {
            realm: params.get("realm").cloned().unwrap_or_default(),
            algorithm: params.get("algorithm").cloned().unwrap_or_else(|| "MD5".into()),
        });
    }
    challenges
        .iter()
        .find(|c| c.trim_start().to_ascii_lowercase().starts_with("basic"))
        .map(|c| AuthKind::Basic { realm: challenge_params(c).get("realm").cloned().unwrap_or_default() })
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find(name) {
        let at = from + found;
        from = at + name.len();
        let before_ok = at == 0 || lower.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = lower[at + name.len()..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let value_start = tag.len() - rest.len() + 1;
        let value = tag[value_start..].trim_start();
        return Some(match value.chars().next() {
            Some(quote @ ('"' | '\'')) => value[1..].split(quote).next().unwrap_or_default().to_owned(),
            _ => value.split(|c: char| c.is_whitespace() || c == '>').next().unwrap_or_default().to_owned(),
        });
    }
    None
}

/// The first HTML form with a password field, if the page has one.
pub fn find_login_form(html: &str, page_path: &str) -> Option<Form> {
    let lower = html.to_ascii_lowercase();
    let mut search = 0;
    while let Some(start) = lower[search..].find("<form").map(|i| i + search) {
        let end = lower[start..].find("</form").map_or(html.len(), |i| i + start);
        search = end.min(html.len());
        let form_html = &html[start..end];
        let form_tag = &form_html[..form_html.find('>').unwrap_or(form_html.len())];
        let mut user_field = None;
        let mut password_field = None;
        let mut hidden = Vec::new();
        let form_lower = form_html.to_ascii_lowercase();
        let mut at = 0;
        while let Some(i) = form_lower[at..].find("<input").map(|i| i + at) {
            let tag_end = form_html[i..].find('>').map_or(form_html.len(), |e| e + i);
            let tag = &form_html[i..tag_end];
            at = tag_end;
            let kind = attribute(tag, "type").unwrap_or_else(|| "text".into()).to_ascii_lowercase();
            let Some(name) = attribute(tag, "name") else { continue };
            match kind.as_str() {
                "password" if password_field.is_none() => password_field = Some(name),
                "hidden" => hidden.push((name, attribute(tag, "value").unwrap_or_default())),
                "text" | "email" | "tel" if user_field.is_none() => user_field = Some(name),
                _ => {}
            }
        }
        if let Some(password_field) = password_field {
            let action =
                attribute(form_tag, "action").filter(|a| !a.is_empty()).unwrap_or_else(|| page_path.to_owned());
            let action = if action.starts_with('/') {
                action
            } else if action.starts_with("http://") || action.starts_with("https://") {
                // Only same-host paths are followed: keep the path part.
                action.splitn(4, '/').nth(3).map_or_else(|| "/".into(), |p| format!("/{p}"))
            } else {
                let base = page_path.rsplit_once('/').map_or("", |(b, _)| b);
                format!("{base}/{action}")
            };
            let method = attribute(form_tag, "method").unwrap_or_else(|| "get".into()).to_ascii_uppercase();
            return Some(Form { action, method, user_field, password_field, hidden });
        }
        if end >= html.len() {
            break;
        }
    }
    None
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Looks at `path` for a login: a 401 challenge or a login form.
pub async fn discover(
    ip: IpAddr,
    port: u16,
    path: &str,
    limits: &Limits,
) -> std::io::Result<(Option<AuthKind>, Response)> {
    let response = request(ip, port, "GET", path, &[], None, limits).await?;
    let auth = if response.status == 401 {
        auth_from_challenge(&response)
    } else if response.status == 200 {
        find_login_form(&response.body, path).map(AuthKind::Form)
    } else {
        None
    };
    Ok((auth, response))
}

pub(crate) async fn login(
    ip: IpAddr,
    port: u16,
    path: &str,
    auth: &AuthKind,
    credential: &Credential,
    limits: &Limits,
) -> Outcome {
    match login_inner(ip, port, path, auth, credential, limits).await {
        Ok(outcome) => outcome,
        Err(error) => io_outcome(&error),
    }
}

fn judge_status(response: &Response) -> Outcome {
    let seen = response.status_line();
    match response.status {
        200..=399 => Outcome::Success { seen },
        429 | 503 => Outcome::Refused { seen },
        _ if says_lockout(&response.body) => Outcome::Refused { seen },
        401 | 403 => Outcome::Failure { seen },
        _ => Outcome::Unknown { seen },
    }
}

async fn login_inner(
    ip: IpAddr,
    port: u16,
    path: &str,
    auth: &AuthKind,
    credential: &Credential,
    limits: &Limits,
) -> std::io::Result<Outcome> {
    match auth {
        AuthKind::Basic { .. } => {
            let response =
                request(ip, port, "GET", path, &[("Authorization", basic_authorization(credential))], None, limits)
                    .await?;
            Ok(judge_status(&response))
        }
        AuthKind::Digest { .. } => {
            // A fresh nonce per attempt.
            let challenge = request(ip, port, "GET", path, &[], None, limits).await?;
            let Some(value) = challenge
                .header("www-authenticate")
                .find(|c| c.trim_start().to_ascii_lowercase().starts_with("digest"))
            else {
                return Ok(judge_status(&challenge));
            };
            let params = challenge_params(value);
            let authorization =
                digest_authorization(&params, credential, "GET", path, &format!("{:016x}", net::nonce()));
            let response = request(ip, port, "GET", path, &[("Authorization", authorization)], None, limits).await?;
            Ok(judge_status(&response))
        }
        AuthKind::Form(form) => {
            let mut fields: Vec<(String, String)> = form.hidden.clone();
            if let Some(user) = &form.user_field {
                fields.push((user.clone(), credential.username.clone()));
            }
            fields.push((form.password_field.clone(), credential.password.clone()));
            let encoded = fields
                .iter()
                .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
                .collect::<Vec<_>>()
                .join("&");
            let response = if form.method == "POST" {
                request(ip, port, "POST", &form.action, &[], Some(&encoded), limits).await?
            } else {
                let separator = if form.action.contains('?') { '&' } else { '?' };
                request(ip, port, "GET", &format!("{}{separator}{encoded}", form.action), &[], None, limits).await?
            };
            let seen = response.status_line();
            let body = response.body.to_ascii_lowercase();
            Ok(match response.status {
                429 | 503 => Outcome::Refused { seen },
                _ if says_lockout(&body) => Outcome::Refused { seen: net::printable(response.body.as_bytes(), 160) },
                401 | 403 => Outcome::Failure { seen },
                301 | 302 | 303 | 307 | 308 => Outcome::Success {
                    seen: format!("{seen}, Location: {}", response.header("location").next().unwrap_or_default()),
                },
                200 if find_login_form(&response.body, &form.action).is_some()
                    || ["invalid", "incorrect", "failed", "error"].iter().any(|w| body.contains(w)) =>
                {
                    Outcome::Failure { seen: format!("{seen}, the login form again or an error message") }
                }
                200 => Outcome::Success { seen: format!("{seen}, a page without a login form") },
                _ => Outcome::Unknown { seen },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mufasa() -> Credential {
        Credential { username: "Mufasa".into(), password: "Circle of Life".into() }
    }

    fn rfc7616_params(algorithm: &str) -> BTreeMap<String, String> {
        challenge_params(&format!(
            "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm={algorithm}, \
             nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
        ))
    }

    fn response_of(header: &str) -> String {
        header.split("response=\"").nth(1).unwrap().split('"').next().unwrap().to_owned()
    }

    /// RFC 7616 §3.9.1, both algorithms.
    #[test]
    fn digest_matches_rfc7616_examples() {
        let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
        let md5 = digest_authorization(&rfc7616_params("MD5"), &mufasa(), "GET", "/dir/index.html", cnonce);
        assert_eq!(response_of(&md5), "8ca523f5e9506fed4657c9700eebdbec");
        assert!(md5.contains("qop=auth,") && md5.contains("nc=00000001") && md5.contains("opaque=\"FQhe"));
        let sha = digest_authorization(&rfc7616_params("SHA-256"), &mufasa(), "GET", "/dir/index.html", cnonce);
        assert_eq!(response_of(&sha), "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
    }

    /// RFC 7617 §2's example.
    #[test]
    fn basic_matches_rfc7617_example() {
        let credential = Credential { username: "Aladdin".into(), password: "open sesame".into() };
        assert_eq!(basic_authorization(&credential), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
    }

    #[test]
    fn challenges_prefer_sha256_digest() {
        let response = Response {
            status: 401,
            headers: vec![
                ("www-authenticate".into(), "Basic realm=\"cam\"".into()),
                ("www-authenticate".into(), "Digest realm=\"cam\", nonce=\"n\", algorithm=MD5".into()),
                ("www-authenticate".into(), "Digest realm=\"cam\", nonce=\"n\", algorithm=SHA-256".into()),
            ],
            body: String::new(),
        };
        assert_eq!(
            auth_from_challenge(&response),
            Some(AuthKind::Digest { realm: "cam".into(), algorithm: "SHA-256".into() })
        );
        let basic = Response { headers: vec![("www-authenticate".into(), "Basic realm=\"Web\"".into())], ..response };
        assert_eq!(auth_from_challenge(&basic), Some(AuthKind::Basic { realm: "Web".into() }));
    }

    #[test]
    fn login_forms_are_found() {
        let html = r#"<html><form method="post" action="login.cgi"><input type="hidden" name="t" value="1">
            <input name="user"><input type='password' name='pass'><input type=submit></form></html>"#;
        let form = find_login_form(html, "/cgi-bin/index.html").unwrap();
        assert_eq!(form.action, "/cgi-bin/login.cgi");
        assert_eq!(form.method, "POST");
        assert_eq!(form.user_field.as_deref(), Some("user"));
        assert_eq!(form.password_field, "pass");
        assert_eq!(form.hidden, vec![("t".to_owned(), "1".to_owned())]);
        assert_eq!(find_login_form("<form><input name=q></form>", "/"), None);
    }

    #[test]
    fn responses_parse() {
        let response =
            parse_response(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n\r\nbody").unwrap();
        assert_eq!(response.status, 401);
        assert_eq!(response.header("www-authenticate").next(), Some("Basic realm=\"x\""));
        assert_eq!(response.body, "body");
        assert_eq!(parse_response(b"SSH-2.0-x\r\n\r\n"), None);
    }
}
