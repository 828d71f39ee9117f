//! The vendor's and the reviewer's screens, driven in-process through the router as a browser
//! would: cookies carried by hand, forms urlencoded, uploads as multipart bodies built by hand.
//! Every scenario runs on SQLite (a temporary file) and on PostgreSQL (a fresh database on the
//! server at `TEKIGO_TEST_POSTGRES`, default `postgres://postgres@127.0.0.1:5432/test`). Without
//! a reachable server the PostgreSQL half is skipped, unless `TEKIGO_REQUIRE_POSTGRES=1` (CI).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode, header};
use ed25519_dalek::SigningKey;
use tekigo_registry::Registry;
use tekigo_registry::Role;
use tekigo_registry::labels::rules::Status;

use tekigo_testkit::{TODAY, count, on_both, public_pem, signed_sample};

mod common;
use common::*;

const PASSWORD: &str = "correct horse battery";
const REVIEWER_PASSWORD: &str = "reviewer password 1";

// ---------------------------------------------------------------------------------------------
// What a vendor uploads

fn camera_form(firmware: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", "EXC-100 network camera".into()),
        ("model", "EXC-100".into()),
        ("firmware_version", firmware.into()),
        ("product_type", "network-camera".into()),
        ("support_end", "2030-03-31".into()),
        ("vulnerability_contact", "https://example.com/security".into()),
    ]
}

// ---------------------------------------------------------------------------------------------
// A browser, by hand

impl Browser {
    /// Signs up through the form; the browser is then logged in.
    async fn sign_up(&mut self, organisation: &str, email: &str) -> Page {
        let form = self.get("/signup").await;
        form.assert(StatusCode::OK);
        assert!(self.cookies.contains_key("tekigo_csrf"), "the form sets its double-submit cookie");
        let csrf = form.csrf();
        self.post(
            "/signup",
            &[
                ("csrf", &csrf),
                ("organisation", organisation),
                ("name", "Hanako Sato"),
                ("email", email),
                ("password", PASSWORD),
            ],
        )
        .await
    }

    async fn log_in(&mut self, email: &str, password: &str) -> Page {
        let csrf = self.get("/login").await.csrf();
        self.post("/login", &[("csrf", &csrf), ("email", email), ("password", password)]).await
    }

    /// The session's CSRF token, as the vendor's page carries it.
    async fn csrf_of(&mut self, path: &str) -> String {
        let page = self.get(path).await;
        page.assert(StatusCode::OK);
        page.csrf()
    }

    async fn add_product(&mut self, firmware: &str) -> Page {
        let csrf = self.csrf_of("/vendor").await;
        let mut fields = camera_form(firmware);
        fields.push(("csrf", csrf));
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.post("/vendor/products", &fields).await
    }
}

/// A vendor signed up, with its key registered and the camera registered as product 1.
async fn vendor_with_product(app: &Router, key: &SigningKey) -> Browser {
    let mut vendor = Browser::new(app);
    vendor.sign_up("Example Devices K.K.", "sato@example.com").await.assert_redirect("/vendor");
    let csrf = vendor.csrf_of("/vendor").await;
    vendor.post("/vendor/keys", &[("csrf", &csrf), ("pem", &public_pem(key))]).await.assert_redirect("/vendor#keys");
    vendor.add_product("2.4.1").await.assert_redirect("/vendor/products/1");
    vendor
}

async fn reviewer(registry: &Registry, app: &Router) -> Browser {
    registry
        .create_staff(None, "review@ipa.example", "Reviewer Suzuki", Role::Reviewer, REVIEWER_PASSWORD, 0)
        .await
        .unwrap();
    let mut reviewer = Browser::new(app);
    reviewer.log_in("review@ipa.example", REVIEWER_PASSWORD).await.assert_redirect("/review");
    reviewer
}

/// What changes from run to run is replaced: CSRF tokens and the clock's minutes.
fn stable(page: &Page) -> String {
    let marker = r#"name="csrf" value=""#;
    let mut body = String::new();
    let mut rest = page.body.as_str();
    while let Some(at) = rest.find(marker) {
        let start = at + marker.len();
        let end = start + rest[start..].find('"').unwrap();
        body.push_str(&rest[..start]);
        body.push_str("[csrf]");
        rest = &rest[end..];
    }
    body.push_str(rest);
    // `2026-11-26 12:00 JST` → `2026-11-26 [time] JST`
    let mut out = String::new();
    let mut rest = body.as_str();
    while let Some(at) = rest.find(" JST") {
        let (before, after) = rest.split_at(at);
        match before.len().checked_sub(6).map(|i| before.split_at(i)) {
            Some((head, time))
                if time.as_bytes()[0] == b' ' && time[1..].chars().all(|c| c.is_ascii_digit() || c == ':') =>
            {
                out.push_str(head);
                out.push_str(" [time]");
            }
            _ => out.push_str(before),
        }
        out.push_str(" JST");
        rest = &after[4..];
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------------------------------------
// Scenarios

async fn a_vendor_applies_and_a_reviewer_issues_the_label(registry: &Registry) {
    let (app, _) = app(registry);
    let key = SigningKey::from_bytes(&[5; 32]);

    // Sign-up logs the vendor in; the session cookie is HttpOnly, SameSite=Lax, for the site.
    let mut vendor = Browser::new(&app);
    let signed_up = vendor.sign_up("Example Devices K.K.", "sato@example.com").await;
    signed_up.assert_redirect("/vendor");
    let set_cookie =
        signed_up.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap()).collect::<Vec<_>>();
    let session = set_cookie.iter().find(|c| c.starts_with("tekigo_session=")).unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(session.contains(attribute), "{session}");
    }
    assert!(!session.contains("Secure"), "plain http in the test: {session}");

    // Log out, and in again.
    let csrf = vendor.csrf_of("/vendor").await;
    vendor.post("/logout", &[("csrf", &csrf)]).await.assert_redirect("/");
    assert!(!vendor.cookies.contains_key("tekigo_session"));
    vendor.get("/vendor").await.assert_redirect("/login?next=/vendor");
    vendor.log_in("SATO@example.com", PASSWORD).await.assert_redirect("/vendor");

    // Key, product, upload.
    let csrf = vendor.csrf_of("/vendor").await;
    vendor.post("/vendor/keys", &[("csrf", &csrf), ("pem", &public_pem(&key))]).await.assert_redirect("/vendor#keys");
    vendor.get("/vendor").await.contains(&tekigo_assess::keys::key_id(&key.verifying_key()));
    vendor.add_product("2.4.1").await.assert_redirect("/vendor/products/1");
    let product_page = vendor.get("/vendor/products/1").await;
    product_page.assert(StatusCode::OK).contains("enctype=\"multipart/form-data\"").contains("EXC-100");
    let csrf = product_page.csrf();
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    vendor
        .post_multipart("/vendor/products/1/applications", &upload_parts(&csrf, &declaration, &sbom))
        .await
        .assert_redirect("/vendor/applications/1");
    vendor.get("/vendor/applications/1").await.assert(StatusCode::OK).contains("under review").contains("signature");
    vendor.get("/vendor/products/1").await.contains("is under review");

    // The reviewer sees it in the queue, reads it, downloads the files, approves.
    let mut reviewer = reviewer(registry, &app).await;
    reviewer.get("/review").await.assert(StatusCode::OK).contains(r#"href="/review/applications/1""#);
    let review = reviewer.get("/review/applications/1").await;
    review.assert(StatusCode::OK).contains("S1.1-01").contains("jc-star").contains("1.1").contains("Approve");
    let download = reviewer.get("/review/applications/1/declaration.json").await;
    download.assert(StatusCode::OK);
    assert_eq!(download.bytes.as_ref(), declaration.as_slice());
    assert_eq!(download.headers[header::CONTENT_DISPOSITION], "attachment; filename=\"declaration-1.json\"");
    let download = reviewer.get("/review/applications/1/sbom").await;
    assert_eq!((download.status, download.bytes.as_ref()), (StatusCode::OK, sbom.as_slice()));
    let csrf = review.csrf();
    // The fee is recorded (the schedule's amount) before the label can be issued.
    let fee = [("csrf", csrf.as_str()), ("yen", ""), ("reference", "INV-2026-0001")];
    reviewer.post("/review/applications/1/fee", &fee).await.assert_redirect("/review/applications/1#decide");
    let approved = reviewer.post("/review/applications/1/approve", &[("csrf", &csrf)]).await;
    approved.assert_redirect("/labels/JC1-2026-000001");
    let label = registry.label("JC1-2026-000001", TODAY).await.unwrap().unwrap();
    assert_eq!((label.status, label.expires.as_str()), (Status::Valid, "2028-11-26"));
    assert_eq!(label.vendor, "Example Devices K.K.");

    // The vendor's page shows the label; the audit trail has every step, newest first.
    vendor.get("/vendor").await.contains("JC1-2026-000001").contains("status-valid").contains("approved");
    let audit = reviewer.get("/review/audit").await;
    audit.assert(StatusCode::OK);
    let issued = audit.body.find("<td>issued</td>").unwrap();
    let submitted = audit.body.find("<td>submit</td>").unwrap();
    let signed = audit.body.find("<td>sign-up</td>").unwrap();
    assert!(issued < submitted && submitted < signed, "newest first");
    // Deciding twice is refused and changes nothing.
    reviewer.post("/review/applications/1/approve", &[("csrf", &csrf)]).await.assert(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(registry, "labels").await, 1);
}
on_both!(a_vendor_applies_and_a_reviewer_issues_the_label);

async fn posts_without_the_token_are_refused_and_change_nothing(registry: &Registry) {
    let (app, _) = app(registry);
    let key = SigningKey::from_bytes(&[5; 32]);

    // Sign-up and log-in need the double-submit cookie and the same token in the form.
    let mut stranger = Browser::new(&app);
    let fields =
        [("organisation", "Forged K.K."), ("name", "F"), ("email", "f@forged.example"), ("password", PASSWORD)];
    let refused = stranger.post("/signup", &fields).await;
    refused.assert(StatusCode::FORBIDDEN).contains("security token").contains("セキュリティトークン");
    let csrf = stranger.get("/signup").await.csrf();
    let mut wrong = fields.to_vec();
    wrong.push(("csrf", "0000"));
    stranger.post("/signup", &wrong).await.assert(StatusCode::FORBIDDEN);
    stranger.cookies.clear();
    let mut without_cookie = fields.to_vec();
    without_cookie.push(("csrf", &csrf));
    stranger.post("/signup", &without_cookie).await.assert(StatusCode::FORBIDDEN);
    assert_eq!(count(registry, "users").await, 0);

    let mut vendor = vendor_with_product(&app, &key).await;
    let mut other = Browser::new(&app);
    other.post("/login", &[("email", "sato@example.com"), ("password", PASSWORD)]).await.assert(StatusCode::FORBIDDEN);
    assert!(!other.cookies.contains_key("tekigo_session"));

    // Logged in: a form without the session's token, or with another one, is refused.
    let other_session = {
        let mut b = Browser::new(&app);
        b.sign_up("Other Co.", "o@other.example").await.assert_redirect("/vendor");
        b.csrf_of("/vendor").await
    };
    let (products, keys, audit) =
        (count(registry, "products").await, count(registry, "signing_keys").await, count(registry, "audit").await);
    let mut fields = camera_form("3.0.0");
    let no_token: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = vendor.post("/vendor/products", &no_token).await;
    page.assert(StatusCode::FORBIDDEN).contains("security token").contains("セキュリティトークン");
    fields.push(("csrf", other_session));
    let foreign: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    vendor.post("/vendor/products", &foreign).await.assert(StatusCode::FORBIDDEN);
    let stranger_key = public_pem(&SigningKey::from_bytes(&[9; 32]));
    vendor.post("/vendor/keys", &[("pem", &stranger_key)]).await.assert(StatusCode::FORBIDDEN);
    vendor.post("/vendor/tokens", &[("name", "ci")]).await.assert(StatusCode::FORBIDDEN);
    // A body that is not a form is no token either.
    let request = Request::post("/vendor/keys").header(header::CONTENT_TYPE, "text/plain");
    vendor.send(request, Body::from("pem=x")).await.assert(StatusCode::FORBIDDEN);

    // An upload without the token: refused before the files are read.
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    let parts = &upload_parts("", &declaration, &sbom)[1..];
    vendor.post_multipart("/vendor/products/1/applications", parts).await.assert(StatusCode::FORBIDDEN);
    vendor
        .post_multipart("/vendor/products/1/applications", &upload_parts("nope", &declaration, &sbom))
        .await
        .assert(StatusCode::FORBIDDEN);

    // Log-out without the token does not end the session.
    vendor.post("/logout", &[]).await.assert(StatusCode::FORBIDDEN);
    vendor.get("/vendor").await.assert(StatusCode::OK);

    assert_eq!(count(registry, "products").await, products);
    assert_eq!(count(registry, "signing_keys").await, keys);
    assert_eq!(count(registry, "applications").await, 0);
    assert_eq!(count(registry, "api_tokens").await, 0);
    assert_eq!(count(registry, "audit").await, audit, "nothing happened");

    // A reviewer's decision needs the token too.
    let csrf = vendor.csrf_of("/vendor/products/1").await;
    vendor
        .post_multipart("/vendor/products/1/applications", &upload_parts(&csrf, &declaration, &sbom))
        .await
        .assert_redirect("/vendor/applications/1");
    let mut reviewer = reviewer(registry, &app).await;
    reviewer.post("/review/applications/1/approve", &[]).await.assert(StatusCode::FORBIDDEN);
    reviewer.post("/review/applications/1/return", &[("comment", "forged")]).await.assert(StatusCode::FORBIDDEN);
    assert_eq!(count(registry, "labels").await, 0);
    let pending = registry
        .applications(
            &registry.authenticate("review@ipa.example", REVIEWER_PASSWORD).await.unwrap().unwrap(),
            Some("submitted"),
        )
        .await
        .unwrap();
    assert_eq!(pending.len(), 1, "still waiting");
}
on_both!(posts_without_the_token_are_refused_and_change_nothing);

async fn bad_uploads_list_every_problem_and_store_nothing(registry: &Registry) {
    let (app, _) = app(registry);
    let key = SigningKey::from_bytes(&[5; 32]);
    let mut vendor = vendor_with_product(&app, &key).await;
    let csrf = vendor.csrf_of("/vendor/products/1").await;
    let path = "/vendor/products/1/applications";

    // Signed by a key the vendor never registered.
    let (declaration, sbom) = signed_sample(&SigningKey::from_bytes(&[9; 32]), "2.4.1");
    let page = vendor.post_multipart(path, &upload_parts(&csrf, &declaration, &sbom)).await;
    page.assert(StatusCode::UNPROCESSABLE_ENTITY)
        .contains("nothing was stored")
        .contains("signature:")
        .contains("署名");

    // About other firmware, with an SBOM the declaration does not name: every problem is listed.
    let (declaration, _) = signed_sample(&key, "9.9.9");
    let other_sbom = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library","name":"x","version":"1"}]}"#;
    let page = vendor.post_multipart(path, &upload_parts(&csrf, &declaration, other_sbom)).await;
    page.assert(StatusCode::UNPROCESSABLE_ENTITY)
        .contains("firmware_version")
        .contains("not the one the declaration names")
        .contains("宣言書に記載されたもの");

    // A missing file, and an empty one (a file input left empty).
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    let page = vendor.post_multipart(path, &upload_parts(&csrf, &declaration, &sbom)[..2]).await;
    page.assert(StatusCode::UNPROCESSABLE_ENTITY).contains("No SBOM was chosen").contains("SBOM が選択されていません");
    let page = vendor.post_multipart(path, &upload_parts(&csrf, b"", b"")).await;
    page.assert(StatusCode::UNPROCESSABLE_ENTITY).contains("No declaration was chosen").contains("No SBOM was chosen");

    // Not a multipart body at all, or a file larger than its own limit.
    vendor.post(path, &[("csrf", &csrf)]).await.assert(StatusCode::FORBIDDEN);
    let big = vec![b' '; tekigo_registry::applications::checks::MAX_DECLARATION_BYTES + 1];
    let page = vendor.post_multipart(path, &upload_parts(&csrf, &big, &sbom)).await;
    page.assert(StatusCode::PAYLOAD_TOO_LARGE).contains("declaration is too large");

    // Another vendor's product: not found, whatever is uploaded; its pages too.
    let mut other = Browser::new(&app);
    other.sign_up("Other Co.", "o@other.example").await.assert_redirect("/vendor");
    let other_csrf = other.csrf_of("/vendor").await;
    other
        .post("/vendor/keys", &[("csrf", &other_csrf), ("pem", &public_pem(&key))])
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY)
        .contains("another organisation");
    other.post_multipart(path, &upload_parts(&other_csrf, &declaration, &sbom)).await.assert(StatusCode::NOT_FOUND);
    other.get("/vendor/products/1").await.assert(StatusCode::NOT_FOUND);
    other.get("/vendor/products/not-a-number").await.assert(StatusCode::NOT_FOUND);
    assert_eq!(count(registry, "applications").await, 0, "nothing was stored");

    // A product with a missing field and a past support end: the form comes back, named.
    let mut fields = camera_form("3.0.0");
    fields[1].1 = " ".into();
    fields.push(("csrf", csrf.clone()));
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = vendor.post("/vendor/products", &form).await;
    page.assert(StatusCode::UNPROCESSABLE_ENTITY)
        .contains("missing: model")
        .contains("未入力: 型番")
        .contains("value=\"3.0.0\"");
    let mut fields = camera_form("3.0.0");
    fields[4].1 = "2020-01-01".into();
    fields.push(("csrf", csrf.clone()));
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    vendor.post("/vendor/products", &form).await.assert(StatusCode::UNPROCESSABLE_ENTITY).contains("not in the future");
    vendor
        .post("/vendor/keys", &[("csrf", &csrf), ("pem", "not a key")])
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY)
        .contains("not an Ed25519 public key");
    assert_eq!(count(registry, "products").await, 1);

    // Then a good one goes through.
    vendor
        .post_multipart(path, &upload_parts(&csrf, &declaration, &sbom))
        .await
        .assert_redirect("/vendor/applications/1");
    other.get("/vendor/applications/1").await.assert(StatusCode::NOT_FOUND);
}
on_both!(bad_uploads_list_every_problem_and_store_nothing);

async fn uploads_over_the_limit_are_refused_unread(registry: &Registry) {
    let (app, _) = app(registry);
    let key = SigningKey::from_bytes(&[5; 32]);
    let mut vendor = vendor_with_product(&app, &key).await;
    let csrf = vendor.csrf_of("/vendor/products/1").await;
    let path = "/vendor/products/1/applications";
    let limit = tekigo_web::http::uploads::UPLOAD_LIMIT;

    // 71 MiB, declared: refused from the header.
    let sbom = vec![b'x'; 71 * 1024 * 1024];
    let page = vendor.post_multipart(path, &upload_parts(&csrf, b"{}", &sbom)).await;
    page.assert(StatusCode::PAYLOAD_TOO_LARGE).contains("too large");

    // A gigabyte streamed without a length: reading stops at the limit.
    let pulled = Arc::new(AtomicUsize::new(0));
    let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"sbom\"; filename=\"sbom.json\"\r\n\r\n"
    );
    let counter = pulled.clone();
    let chunks = std::iter::once(Bytes::from(head)).chain((0..(1 << 30) / chunk.len()).map(move |_| {
        counter.fetch_add(chunk.len(), Ordering::Relaxed);
        chunk.clone()
    }));
    let stream = futures_util::stream::iter(chunks.map(Ok::<_, std::io::Error>));
    let request = Request::post(path).header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"));
    let page = vendor.send(request, Body::from_stream(stream)).await;
    page.assert(StatusCode::PAYLOAD_TOO_LARGE);
    let read = pulled.load(Ordering::Relaxed);
    assert!(read <= limit + 128 * 1024, "read {read} bytes of a gigabyte; the limit is {limit}");

    // The SBOM part alone over its own limit, within the body limit.
    let sbom = vec![b'x'; tekigo_registry::applications::checks::MAX_SBOM_BYTES + 1];
    let page = vendor.post_multipart(path, &upload_parts(&csrf, b"{}", &sbom)).await;
    page.assert(StatusCode::PAYLOAD_TOO_LARGE).contains("SBOM is too large");
    assert_eq!(count(registry, "applications").await, 0);
}
on_both!(uploads_over_the_limit_are_refused_unread);

async fn each_role_sees_only_its_pages(registry: &Registry) {
    let (app, _) = app(registry);
    let key = SigningKey::from_bytes(&[5; 32]);

    // Logged out: pages send the browser to log in, and back.
    let mut nobody = Browser::new(&app);
    nobody.get("/vendor").await.assert_redirect("/login?next=/vendor");
    nobody
        .get("/review/applications/1?lang=ja")
        .await
        .assert_redirect("/login?next=/review/applications/1%3Flang%3Dja");
    nobody.get("/admin/staff").await.assert_redirect("/login?next=/admin/staff");
    // A post cannot be returned to: plain log-in, and nothing happens.
    nobody.post("/vendor/products", &[("name", "x")]).await.assert_redirect("/login");
    nobody.post("/review/applications/1/approve", &[]).await.assert_redirect("/login");
    assert_eq!(count(registry, "products").await, 0);
    let login = nobody.get("/login?next=/review").await;
    login.contains(r#"name="next" value="/review""#);
    let evil = nobody.get("/login?next=//evil.example").await;
    evil.contains(r#"name="next" value="""#);

    let mut vendor = vendor_with_product(&app, &key).await;
    let mut reviewer = reviewer(registry, &app).await;
    for path in ["/review", "/review/applications/1", "/review/audit", "/review/applications/1/sbom", "/admin/staff"] {
        let page = vendor.get(path).await;
        page.assert(StatusCode::FORBIDDEN);
    }
    vendor.get("/review?lang=ja").await.assert(StatusCode::FORBIDDEN).contains("認証機関の職員用");
    let csrf = vendor.csrf_of("/vendor").await;
    vendor
        .post(
            "/admin/staff",
            &[("csrf", &csrf), ("email", "x@x.example"), ("name", "X"), ("role", "admin"), ("password", PASSWORD)],
        )
        .await
        .assert(StatusCode::FORBIDDEN);
    for path in ["/vendor", "/vendor/products/1"] {
        reviewer.get(path).await.assert(StatusCode::FORBIDDEN);
    }
    reviewer.get("/admin/staff").await.assert(StatusCode::FORBIDDEN);
    let csrf = reviewer.csrf_of("/review").await;
    reviewer.post("/vendor/products", &[("csrf", &csrf)]).await.assert(StatusCode::FORBIDDEN);

    // Log-in after a redirect returns to the page asked for; a foreign `next` is not followed.
    let mut back = Browser::new(&app);
    let csrf = back.get("/login?next=/review/audit").await.csrf();
    back.post(
        "/login",
        &[("csrf", &csrf), ("email", "review@ipa.example"), ("password", REVIEWER_PASSWORD), ("next", "/review/audit")],
    )
    .await
    .assert_redirect("/review/audit");
    let mut away = Browser::new(&app);
    let csrf = away.get("/login").await.csrf();
    away.post(
        "/login",
        &[
            ("csrf", &csrf),
            ("email", "review@ipa.example"),
            ("password", REVIEWER_PASSWORD),
            ("next", "https://evil.example/"),
        ],
    )
    .await
    .assert_redirect("/review");

    // An admin makes staff accounts; a second account for one e-mail is refused by name.
    registry.create_staff(None, "admin@ipa.example", "Admin", Role::Admin, "admin password 1", 0).await.unwrap();
    let mut admin = Browser::new(&app);
    admin.log_in("admin@ipa.example", "admin password 1").await.assert_redirect("/review");
    admin.get("/review").await.contains(r#"href="/admin/staff""#);
    let csrf = admin.csrf_of("/admin/staff").await;
    let new = [
        ("csrf", csrf.as_str()),
        ("email", "committee@ipa.example"),
        ("name", "Committee Tanaka"),
        ("role", "committee"),
        ("password", "committee password"),
    ];
    admin.post("/admin/staff", &new).await.assert_redirect("/admin/staff");
    admin.get("/admin/staff").await.contains("committee@ipa.example").contains("committee member");
    admin.post("/admin/staff", &new).await.assert(StatusCode::UNPROCESSABLE_ENTITY).contains("has an account already");
    let mut vendor_role = new;
    vendor_role[1].1 = "v@ipa.example";
    vendor_role[3].1 = "vendor";
    admin.post("/admin/staff", &vendor_role).await.assert(StatusCode::UNPROCESSABLE_ENTITY).contains("Choose a role");

    // A committee member reads the queue but does not decide.
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    let csrf = vendor.csrf_of("/vendor/products/1").await;
    vendor
        .post_multipart("/vendor/products/1/applications", &upload_parts(&csrf, &declaration, &sbom))
        .await
        .assert_redirect("/vendor/applications/1");
    let mut committee = Browser::new(&app);
    committee.log_in("committee@ipa.example", "committee password").await.assert_redirect("/review");
    let page = committee.get("/review/applications/1").await;
    page.assert(StatusCode::OK).contains("Only a reviewer or an administrator decides");
    committee.post("/review/applications/1/approve", &[("csrf", &page.csrf())]).await.assert(StatusCode::FORBIDDEN);
    assert_eq!(count(registry, "labels").await, 0);
}
on_both!(each_role_sees_only_its_pages);

async fn api_tokens_are_shown_once_and_need_no_csrf(registry: &Registry) {
    let (app, _) = app(registry);
    let key = SigningKey::from_bytes(&[5; 32]);
    let mut vendor = vendor_with_product(&app, &key).await;
    let csrf = vendor.csrf_of("/vendor").await;
    vendor.post("/vendor/tokens", &[("csrf", &csrf), ("name", " ")]).await.assert(StatusCode::UNPROCESSABLE_ENTITY);
    let page = vendor.post("/vendor/tokens", &[("csrf", &csrf), ("name", "CI upload")]).await;
    page.assert(StatusCode::OK).contains("shown only this once");
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    let start = page.body.find("<code>tkg_").unwrap() + "<code>".len();
    let token = page.body[start..start + page.body[start..].find('<').unwrap()].to_owned();
    assert!(!vendor.get("/vendor").await.body.contains(&token), "shown once");

    // The build system uploads with the token alone: no cookie, no CSRF field.
    let mut ci = Browser::new(&app);
    ci.bearer = Some(token.clone());
    ci.get("/vendor").await.assert(StatusCode::OK);
    let request = Request::get("/vendor").header(header::AUTHORIZATION, format!("bearer {token}"));
    Browser::new(&app).send(request, Body::empty()).await.assert(StatusCode::OK);
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    let parts = &upload_parts("", &declaration, &sbom)[1..];
    ci.post_multipart("/vendor/products/1/applications", parts).await.assert_redirect("/vendor/applications/1");

    // A wrong token is 401, not a log-in page.
    let mut bad = Browser::new(&app);
    bad.bearer = Some("tkg_wrong".into());
    let page = bad.get("/vendor").await;
    page.assert(StatusCode::UNAUTHORIZED);
    assert_eq!(page.headers[header::WWW_AUTHENTICATE], "Bearer");
    bad.bearer = Some(format!("{token}x"));
    bad.post("/vendor/tokens", &[("name", "x")]).await.assert(StatusCode::UNAUTHORIZED);
}
on_both!(api_tokens_are_shown_once_and_need_no_csrf);

/// Makes a token on the vendor's page and returns it (shown once, in `<code>`).
async fn make_token(vendor: &mut Browser, name: &str, scope: &str, days: &str) -> String {
    let csrf = vendor.csrf_of("/vendor").await;
    let page =
        vendor.post("/vendor/tokens", &[("csrf", &csrf), ("name", name), ("scope", scope), ("days", days)]).await;
    page.assert(StatusCode::OK).contains("shown only this once");
    let start = page.body.find("<code>tkg_").unwrap() + "<code>".len();
    page.body[start..start + page.body[start..].find('<').unwrap()].to_owned()
}

async fn token_scopes_expiry_and_revocation(registry: &Registry) {
    let (app, state) = app(registry);
    let key = SigningKey::from_bytes(&[6; 32]);
    let mut vendor = vendor_with_product(&app, &key).await;
    let csrf = vendor.csrf_of("/vendor").await;
    for (scope, days) in [("admin", "90"), ("read", "366"), ("read", "0"), ("read", "many")] {
        let page =
            vendor.post("/vendor/tokens", &[("csrf", &csrf), ("name", "x"), ("scope", scope), ("days", days)]).await;
        page.assert(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let read = make_token(&mut vendor, "dashboard reader", "read", "1").await;
    let submit = make_token(&mut vendor, "CI upload", "submit", "90").await;
    let manage = make_token(&mut vendor, "product sync", "manage", "365").await;
    let listed = vendor.get("/vendor").await;
    listed.contains("dashboard reader").contains("product sync").contains("Revoke");
    assert!(!listed.body.contains(&read) && !listed.body.contains(&submit), "tokens are never listed");

    let product = [
        ("name", "EXC-200 camera"),
        ("model", "EXC-200"),
        ("firmware_version", "1.0"),
        ("product_type", "network-camera"),
        ("support_end", "2030-03-31"),
        ("vulnerability_contact", "https://example.com/security"),
    ];
    let mut machine = Browser::new(&app);
    machine.bearer = Some(read.clone());
    machine.get("/vendor").await.assert(StatusCode::OK);
    machine.get("/vendor/products/1").await.assert(StatusCode::OK);
    machine.post("/vendor/products", &product).await.assert(StatusCode::FORBIDDEN).contains("needs `manage`");
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    let parts = &upload_parts("", &declaration, &sbom)[1..];
    machine
        .post_multipart("/vendor/products/1/applications", parts)
        .await
        .assert(StatusCode::FORBIDDEN)
        .contains("needs `submit`");
    machine.bearer = Some(submit.clone());
    machine.post("/vendor/products", &product).await.assert(StatusCode::FORBIDDEN).contains("has the scope `submit`");
    machine.bearer = Some(manage.clone());
    machine.post("/vendor/products", &product).await.assert_redirect("/vendor/products/2");
    // Whatever its scope, a token makes no token, registers no key, does no staff work.
    for path in ["/vendor/tokens", "/vendor/keys", "/review/applications/1/approve"] {
        let page = machine.post(path, &[("name", "more"), ("pem", &public_pem(&key))]).await;
        page.assert(StatusCode::FORBIDDEN).contains("an API token cannot do this");
    }
    machine.get("/review").await.assert(StatusCode::FORBIDDEN);
    assert_eq!(count(registry, "api_tokens").await, 3);
    assert_eq!(count(registry, "signing_keys").await, 1);

    // Revoked on the page (a logged-in post with its CSRF token): 401 saying so.
    let user = registry.user_by_email("sato@example.com").await.unwrap().unwrap();
    let tokens = registry.api_tokens(&user).await.unwrap();
    let submit_id = tokens.iter().find(|t| t.name == "CI upload").unwrap().id.clone();
    let revoke = format!("/vendor/tokens/{submit_id}/revoke");
    vendor.post(&revoke, &[("csrf", "wrong")]).await.assert(StatusCode::FORBIDDEN);
    machine.post(&revoke, &[]).await.assert(StatusCode::FORBIDDEN);
    let csrf = vendor.csrf_of("/vendor").await;
    vendor.post(&revoke, &[("csrf", &csrf)]).await.assert_redirect("/vendor#tokens");
    machine.bearer = Some(submit);
    let page = machine.get("/vendor").await;
    page.assert(StatusCode::UNAUTHORIZED).contains("was revoked");
    assert_eq!(page.headers[header::WWW_AUTHENTICATE], "Bearer");
    vendor.get("/vendor").await.contains("revoked");

    // Expired after its day: 401 saying so; the others still work.
    state.clock.advance(86_400 + 1);
    machine.bearer = Some(read);
    machine.get("/vendor").await.assert(StatusCode::UNAUTHORIZED).contains("expired");
    machine.bearer = Some(manage);
    machine.get("/vendor").await.assert(StatusCode::OK);
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit WHERE action LIKE '%api-token'")
        .fetch_all(registry.pool())
        .await
        .unwrap();
    assert_eq!(actions, ["create-api-token", "create-api-token", "create-api-token", "revoke-api-token"]);
}
on_both!(token_scopes_expiry_and_revocation);

async fn guessing_passwords_is_slowed_then_stopped(registry: &Registry) {
    let (app, state) = app(registry);
    let mut vendor = Browser::new(&app);
    vendor.sign_up("Example Devices K.K.", "sato@example.com").await.assert_redirect("/vendor");
    let mut guesser = Browser::new(&app);

    // The same answer whether the e-mail exists or not, and no faster for an unknown one.
    let started = std::time::Instant::now();
    let unknown = guesser.log_in("nobody@example.com", "whatever password").await;
    assert!(started.elapsed() >= tekigo_web::http::auth::FAILURE_FLOOR);
    let wrong = guesser.log_in("sato@example.com", "wrong password!").await;
    for page in [&unknown, &wrong] {
        page.assert(StatusCode::UNAUTHORIZED).contains("The e-mail address or the password is wrong.");
        assert!(!guesser.cookies.contains_key("tekigo_session"));
    }
    for _ in 1..tekigo_web::http::auth::MAX_FAILURES {
        guesser.log_in("sato@example.com", "wrong password!").await.assert(StatusCode::UNAUTHORIZED);
    }
    // Locked for this e-mail, even with the right password; others are not affected.
    let locked = guesser.log_in("Sato@example.com", PASSWORD).await;
    locked.assert(StatusCode::TOO_MANY_REQUESTS).contains("Too many failed log-ins");
    assert!(locked.headers.contains_key(header::RETRY_AFTER));
    assert!(!guesser.cookies.contains_key("tekigo_session"));
    let mut other = Browser::new(&app);
    other.sign_up("Other Co.", "o@other.example").await.assert_redirect("/vendor");
    other.cookies.clear();
    other.log_in("o@other.example", PASSWORD).await.assert_redirect("/vendor");

    // A quarter of an hour later, the right password works again.
    state.clock.advance(tekigo_web::http::auth::LOCK_SECONDS + 1);
    guesser.log_in("sato@example.com", PASSWORD).await.assert_redirect("/vendor");
}
on_both!(guessing_passwords_is_slowed_then_stopped);

async fn a_returned_application_carries_the_reviewers_comment(registry: &Registry) {
    let (app, _) = app(registry);
    let key = SigningKey::from_bytes(&[5; 32]);
    let mut vendor = vendor_with_product(&app, &key).await;
    let csrf = vendor.csrf_of("/vendor/products/1").await;
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    vendor
        .post_multipart("/vendor/products/1/applications", &upload_parts(&csrf, &declaration, &sbom))
        .await
        .assert_redirect("/vendor/applications/1");

    let mut reviewer = reviewer(registry, &app).await;
    let csrf = reviewer.csrf_of("/review/applications/1").await;
    let page = reviewer.post("/review/applications/1/return", &[("csrf", &csrf), ("comment", "  ")]).await;
    page.assert(StatusCode::UNPROCESSABLE_ENTITY).contains("say why the application is returned");
    reviewer
        .post(
            "/review/applications/1/return",
            &[("csrf", &csrf), ("comment", "Attach the final test report <b>please</b>")],
        )
        .await
        .assert_redirect("/review");
    reviewer.get("/review").await.contains("No application is waiting").contains("returned to the vendor");

    vendor
        .get("/vendor")
        .await
        .contains("Attach the final test report &#60;b&#62;please&#60;/b&#62;")
        .contains("returned to the vendor");
    vendor.get("/vendor/applications/1?lang=ja").await.contains("差し戻し").contains("Attach the final test report");
    // And the vendor can apply again.
    let (declaration, sbom) = signed_sample(&key, "2.4.1 ");
    let csrf = vendor.csrf_of("/vendor/products/1").await;
    vendor
        .post_multipart("/vendor/products/1/applications", &upload_parts(&csrf, &declaration, &sbom))
        .await
        .assert_redirect("/vendor/applications/2");
}
on_both!(a_returned_application_carries_the_reviewers_comment);

async fn pages_in_both_languages(registry: &Registry) {
    let (app, _) = app(registry);
    let key = SigningKey::from_bytes(&[5; 32]);
    let mut vendor = vendor_with_product(&app, &key).await;
    let csrf = vendor.csrf_of("/vendor/products/1").await;
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    vendor
        .post_multipart("/vendor/products/1/applications", &upload_parts(&csrf, &declaration, &sbom))
        .await
        .assert_redirect("/vendor/applications/1");
    let mut reviewer = reviewer(registry, &app).await;

    for lang in ["en", "ja"] {
        let page = reviewer.get(&format!("/review/applications/1?lang={lang}")).await;
        page.assert(StatusCode::OK);
        insta::assert_snapshot!(format!("review_application_{lang}"), stable(&page));
    }
    let csrf = reviewer.csrf_of("/review/applications/1").await;
    let fee = [("csrf", csrf.as_str()), ("yen", "198000"), ("reference", "INV-2026-0001")];
    reviewer.post("/review/applications/1/fee", &fee).await.assert_redirect("/review/applications/1#decide");
    reviewer
        .post("/review/applications/1/approve", &[("csrf", &csrf)])
        .await
        .assert_redirect("/labels/JC1-2026-000001");
    for lang in ["en", "ja"] {
        let page = vendor.get(&format!("/vendor?lang={lang}")).await;
        page.assert(StatusCode::OK);
        assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
        insta::assert_snapshot!(format!("vendor_dashboard_{lang}"), stable(&page));
    }
    // The Accept-Language header chooses too.
    let request = Request::get("/vendor").header(header::ACCEPT_LANGUAGE, "ja,en;q=0.5");
    vendor.send(request, Body::empty()).await.contains("<html lang=\"ja\">").contains("自社製品と申請");
}
on_both!(pages_in_both_languages);
