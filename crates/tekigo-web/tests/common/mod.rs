//! What the web scenario tests share: the router over a registry on a fixed day, a page with
//! its CSRF token and assertions, and a browser by hand (cookies carried, forms urlencoded,
//! uploads as multipart bodies). Each test file adds its own steps in an `impl Browser` of its own.

#![allow(dead_code)]

use std::collections::BTreeMap;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use tekigo_registry::Registry;
use tekigo_testkit::TODAY;
use tekigo_web::{AppState, Clock};
use tower::ServiceExt;

pub(crate) fn app(registry: &Registry) -> (Router, AppState) {
    let clock = Clock::system();
    clock.set_today(TODAY);
    let state = AppState::new(registry.clone(), clock, "http://registry.test");
    (tekigo_web::router(state.clone()), state)
}

pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
    pub(crate) bytes: Bytes,
}

impl Page {
    pub(crate) fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The value of the first hidden `csrf` field.
    pub(crate) fn csrf(&self) -> String {
        let start =
            self.body.find(r#"name="csrf" value=""#).unwrap_or_else(|| panic!("no csrf field in {}", self.body));
        let rest = &self.body[start + r#"name="csrf" value=""#.len()..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    #[track_caller]
    pub(crate) fn assert(&self, status: StatusCode) -> &Page {
        assert_eq!(self.status, status, "{}", self.body);
        self
    }

    #[track_caller]
    pub(crate) fn assert_redirect(&self, to: &str) -> &Page {
        assert_eq!((self.status, self.location()), (StatusCode::SEE_OTHER, to), "{}", self.body);
        self
    }

    #[track_caller]
    pub(crate) fn contains(&self, text: &str) -> &Page {
        assert!(self.body.contains(text), "`{text}` not in:\n{}", self.body);
        self
    }
}

pub(crate) fn urlencode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b' ' => out.push('+'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(char::from(byte)),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// One part of a multipart body: a field, or a file when it has a file name.
pub(crate) struct Part<'a> {
    pub(crate) name: &'a str,
    pub(crate) filename: Option<&'a str>,
    pub(crate) data: &'a [u8],
}

pub(crate) const BOUNDARY: &str = "----tekigo-test-7f3a9c";

pub(crate) fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part.filename {
            Some(filename) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                    part.name
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{}\"\r\n\r\n", part.name).as_bytes()),
        }
        body.extend_from_slice(part.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub(crate) fn upload_parts<'a>(csrf: &'a str, declaration: &'a [u8], sbom: &'a [u8]) -> Vec<Part<'a>> {
    vec![
        Part { name: "csrf", filename: None, data: csrf.as_bytes() },
        Part { name: "declaration", filename: Some("declaration.json"), data: declaration },
        Part { name: "sbom", filename: Some("sbom-cyclonedx.json"), data: sbom },
    ]
}

pub(crate) struct Browser {
    pub(crate) app: Router,
    pub(crate) cookies: BTreeMap<String, String>,
    /// `Authorization: Bearer ...` instead of cookies.
    pub(crate) bearer: Option<String>,
}

impl Browser {
    pub(crate) fn new(app: &Router) -> Browser {
        Browser { app: app.clone(), cookies: BTreeMap::new(), bearer: None }
    }

    pub(crate) async fn send(&mut self, builder: axum::http::request::Builder, body: Body) -> Page {
        let mut builder = builder;
        if !self.cookies.is_empty() {
            let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            builder = builder.header(header::COOKIE, cookie);
        }
        if let Some(token) = &self.bearer {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let response = self.app.clone().oneshot(builder.body(body).unwrap()).await.unwrap();
        for value in response.headers().get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") || value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        Page { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        self.send(Request::get(path), Body::empty()).await
    }

    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body =
            fields.iter().map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))).collect::<Vec<_>>().join("&");
        let request = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        self.send(request, Body::from(body)).await
    }

    pub(crate) async fn post_multipart(&mut self, path: &str, parts: &[Part<'_>]) -> Page {
        let body = multipart(parts);
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
            .header(header::CONTENT_LENGTH, body.len());
        self.send(request, Body::from(body)).await
    }
}
