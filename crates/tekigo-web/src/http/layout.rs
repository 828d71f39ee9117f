//! What every page's frame needs: the language, who is logged in, the CSRF token for forms, the
//! link to the same page in the other language, and who runs the registry (header, footer and the
//! demo banner, which [`frame_error_pages`] adds to error pages too). Templates extend
//! `templates/layout/base.html`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tekigo_base::Lang;
use tekigo_registry::Role;

use crate::http::error::{ErrorPage, escape};
use crate::http::operator::Operator;
use crate::http::state::AppState;

#[derive(Debug, Clone)]
pub struct Chrome {
    pub lang: Lang,
    /// The logged-in user's name.
    pub user: Option<String>,
    /// The logged-in user's role: staff see the staff navigation.
    pub role: Option<Role>,
    /// The session's CSRF token, for every form that posts (empty when logged out).
    pub csrf: String,
    /// The request's path and query, for the language switch.
    pub path: String,
    pub operator: Arc<Operator>,
}

impl Chrome {
    pub fn public(state: &AppState, lang: Lang, path: &str) -> Chrome {
        Chrome {
            lang,
            user: None,
            role: None,
            csrf: String::new(),
            path: path.to_owned(),
            operator: Arc::clone(&state.operator),
        }
    }

    pub fn is_staff(&self) -> bool {
        self.role.is_some_and(Role::is_staff)
    }

    /// One of a lab's staff (role `evaluator`): their home is the lab's page.
    pub fn is_lab(&self) -> bool {
        self.role == Some(Role::Evaluator)
    }

    /// The demo banner's words in the page's language.
    pub fn demo_banner(&self) -> &'static str {
        demo_banner(self.lang)
    }

    /// The operator's name in the page's language.
    pub fn operator_name(&self) -> &str {
        self.operator.name.get(self.lang)
    }

    /// The operator's postal address in the page's language, if given.
    pub fn operator_address(&self) -> Option<&str> {
        self.operator.address.as_ref().map(|address| address.get(self.lang))
    }

    pub fn t(&self, en: &'static str, ja: &'static str) -> &'static str {
        crate::http::i18n::t(self.lang, en, ja)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn other_lang_code(&self) -> &'static str {
        match self.lang {
            Lang::En => "ja",
            Lang::Ja => "en",
        }
    }

    /// The staff navigation: every staff page this user's role may open, each as `(href, title,
    /// current)`. Every staff role opens these (the pages check `Role::is_staff`); the staff accounts
    /// page is the administrator's alone.
    pub fn staff_links(&self) -> Vec<(&'static str, &'static str, bool)> {
        if !self.is_staff() {
            return Vec::new();
        }
        let path = self.path.split_once('?').map_or(self.path.as_str(), |(path, _)| path);
        let mut links = vec![
            ("/review", self.t("Applications", "申請"), path == "/review" || path.starts_with("/review/applications/")),
            ("/review/cases", self.t("Cases", "案件"), path == "/review/cases" || path.starts_with("/review/labels/")),
            ("/review/registrations", self.t("After issue", "発行後の変更"), path.starts_with("/review/registrations")),
            ("/review/incidents", self.t("Incidents", "インシデント"), path.starts_with("/review/incidents")),
            ("/committee/agenda", self.t("Committee agenda", "委員会の議題"), path.starts_with("/committee/")),
            ("/review/reports", self.t("Reports", "報告"), path.starts_with("/review/reports")),
            (
                "/review/surveillance",
                self.t("Surveillance", "サーベイランス"),
                path.starts_with("/review/surveillance"),
            ),
            ("/review/labs", self.t("Labs and evaluators", "評価機関と評価者"), path.starts_with("/review/labs")),
            ("/review/audit", self.t("Audit trail", "監査証跡"), path == "/review/audit"),
        ];
        if self.role == Some(Role::Admin) {
            links.push(("/admin/staff", self.t("Staff accounts", "職員アカウント"), path == "/admin/staff"));
        }
        links
    }

    /// The same page in the other language: the path with `lang=` replaced.
    pub fn other_lang_href(&self) -> String {
        let (path, query) = self.path.split_once('?').unwrap_or((&self.path, ""));
        let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty() && !p.starts_with("lang=")).collect();
        let lang = format!("lang={}", self.other_lang_code());
        pairs.push(&lang);
        format!("{path}?{}", pairs.join("&"))
    }
}

/// What a demo registry says on every page.
pub fn demo_banner(lang: Lang) -> &'static str {
    crate::http::i18n::t(
        lang,
        "This is a demo registry: labels here are not real",
        "これはデモ用の登録簿です。ここのラベルは本物ではありません",
    )
}

/// Error pages carry no frame, but on a demo registry they too must say that nothing here is
/// real: the banner is put at the top of their body.
pub async fn frame_error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let Some(ErrorPage { lang }) = response.extensions().get::<ErrorPage>().copied() else { return response };
    if !state.operator.demo {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // An error page is a few hundred bytes; anything far larger is not one of them.
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return (parts.status, "").into_response();
    };
    let html = String::from_utf8_lossy(&bytes).replacen(
        "<body>",
        &format!("<body><p class=\"demo-banner\" role=\"note\">{}</p>", escape(demo_banner(lang))),
        1,
    );
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(html))
}
