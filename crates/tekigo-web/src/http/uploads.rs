//! Uploads over `multipart/form-data`: their size limits (each refused with 413 before or while
//! it is read, naming the limit in both languages), a part read only up to its cap, and an
//! unreadable body as a page. The files themselves are screened (`screen.rs`) and checked by the
//! registry.

use axum::extract::multipart::{Field, MultipartError};
use axum::http::StatusCode;
use tekigo_base::Lang;
use tekigo_registry::applications::checks::{MAX_DECLARATION_BYTES, MAX_EVIDENCE_BYTES, MAX_SBOM_BYTES};

use crate::http::auth::{CurrentUser, csrf_failure};
use crate::http::error::WebError;
use crate::http::view;

/// The largest application upload: the declaration's and the SBOM's limits, and room for the
/// form's own parts. A larger body is refused with 413 before it is read
/// (`DefaultBodyLimit` stops reading there; a declared `Content-Length` beyond it is refused
/// before reading anything).
pub const UPLOAD_LIMIT: usize =
    MAX_DECLARATION_BYTES + MAX_SBOM_BYTES + MAX_VEX_BYTES + MAX_EVIDENCE_BYTES + 2 * 1024 * 1024;

/// The largest VEX document a vendor uploads for a label.
pub const MAX_VEX_BYTES: usize = 16 * 1024 * 1024;
/// The largest upload on a label's page (an updated SBOM, or VEX), with room for the form.
pub const LABEL_UPLOAD_LIMIT: usize = MAX_SBOM_BYTES + 1024 * 1024;

pub(crate) fn too_large(what_en: &str, what_ja: &str, limit: usize, lang: Lang) -> WebError {
    let mib = limit / (1024 * 1024);
    view::bilingual_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("The {what_en} is too large: at most {mib} MiB is accepted. Nothing was stored."),
        format!("{what_ja}が大きすぎます。上限は {mib} MiB です。何も保存していません。"),
        lang,
    )
}

pub(crate) fn unreadable_upload(error: &MultipartError, lang: Lang) -> WebError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large("upload", "アップロード", UPLOAD_LIMIT, lang);
    }
    view::bilingual_error(
        StatusCode::BAD_REQUEST,
        format!("The upload could not be read ({error}). Nothing was stored."),
        "アップロードを読み取れませんでした。何も保存していません。",
        lang,
    )
}

pub(crate) enum Capped {
    Data(Vec<u8>),
    TooLarge,
}

/// A part's bytes, stopping as soon as they pass `cap`.
pub(crate) async fn read_capped(mut field: Field<'_>, cap: usize) -> Result<Capped, MultipartError> {
    let mut data = Vec::new();
    while let Some(chunk) = field.chunk().await? {
        if data.len() + chunk.len() > cap {
            return Ok(Capped::TooLarge);
        }
        data.extend_from_slice(&chunk);
    }
    Ok(Capped::Data(data))
}

/// A multipart form's CSRF token, which must come first: a session's post sends the `csrf` part
/// before any other, so no file of a forged post is read; a request with an API token (no
/// session, no CSRF token) needs none. `finish` refuses a session's post that never sent it.
pub(crate) struct CsrfFirst<'a> {
    current: &'a CurrentUser,
    checked: bool,
    lang: Lang,
}

impl<'a> CsrfFirst<'a> {
    pub(crate) fn new(current: &'a CurrentUser, lang: Lang) -> CsrfFirst<'a> {
        CsrfFirst { checked: current.csrf().is_empty(), current, lang }
    }

    /// A part as it comes: the token is checked and taken (`None`); any other part is given back
    /// with its name once the token was seen. A read error goes through `unreadable`.
    pub(crate) async fn part<'f>(
        &mut self,
        field: Field<'f>,
        unreadable: impl Fn(MultipartError) -> WebError,
    ) -> Result<Option<(String, Field<'f>)>, WebError> {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "csrf" {
            let Capped::Data(token) = read_capped(field, 512).await.map_err(unreadable)? else {
                return Err(csrf_failure(self.lang));
            };
            self.current.check_csrf(&String::from_utf8_lossy(&token), self.lang)?;
            self.checked = true;
            return Ok(None);
        }
        if !self.checked {
            return Err(csrf_failure(self.lang));
        }
        Ok(Some((name, field)))
    }

    /// After the last part: a session's post without its token is refused.
    pub(crate) fn finish(self) -> Result<(), WebError> {
        if self.checked { Ok(()) } else { Err(csrf_failure(self.lang)) }
    }
}
