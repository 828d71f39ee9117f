//! The registry's storage: one code path for SQLite and PostgreSQL through sqlx's `Any` driver,
//! with portable SQL (`$1` placeholders, `RETURNING`, no vendor functions). Every write runs in a
//! transaction together with its audit record, so a failed write leaves nothing behind.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::VerifyingKey;
use ed25519_dalek::pkcs8::DecodePublicKey;
use jiff::civil::Date;
use serde::Serialize;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use tekigo_base::Text;
use tekigo_criteria::Catalog;

use crate::checks::{self, CheckResult, Expected};
use crate::lifecycle::{Correction, Event, Lifecycle};
use crate::rules::{self, Assurance, State, Status};
use crate::validate;
use crate::vulnerability_check::{self, RegistryCheck};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("{}", .0.en)]
    Invalid(Text),
    /// The application failed its automatic checks; nothing was stored.
    #[error("the application failed its checks:\n{}", .0.iter().map(|t| format!("  - {}", t.en)).collect::<Vec<_>>().join("\n"))]
    Rejected(Vec<Text>),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// [`Registry::open_existing`] found no registry where it looked (the path or database
    /// named); it made none.
    #[error("no registry at {0}")]
    NoRegistry(String),
}

pub(crate) fn invalid(en: impl Into<String>, ja: impl Into<String>) -> RegistryError {
    RegistryError::Invalid(Text::new(en, ja))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Who may do what (SCHEME §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Vendor,
    Evaluator,
    Reviewer,
    Committee,
    Admin,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Vendor => "vendor",
            Role::Evaluator => "evaluator",
            Role::Reviewer => "reviewer",
            Role::Committee => "committee",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        [Role::Vendor, Role::Evaluator, Role::Reviewer, Role::Committee, Role::Admin]
            .into_iter()
            .find(|r| r.name() == text)
    }

    /// Certification-body staff see every vendor's products and applications.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Reviewer | Role::Committee | Role::Admin)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub organisation_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Product {
    pub id: i64,
    pub organisation_id: i64,
    pub vendor: String,
    pub name: String,
    pub model: String,
    pub firmware_version: String,
    pub product_type: Option<String>,
    pub support_end: String,
    pub vulnerability_contact: String,
}

/// What a vendor uploads for an application.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    /// The signed declaration.json.
    pub declaration: &'a [u8],
    /// The SBOM the declaration names.
    pub sbom: &'a [u8],
    /// A VEX document (CycloneDX VEX, CSAF VEX or OpenVEX).
    pub vex: Option<&'a [u8]>,
    /// Evidence files (their names and bytes), each one the declaration fixes by its SHA-256.
    pub files: &'a [(String, Vec<u8>)],
}

#[derive(Debug, Clone)]
pub struct NewProduct {
    pub name: String,
    pub model: String,
    pub firmware_version: String,
    pub product_type: Option<String>,
    pub support_end: String,
    pub vulnerability_contact: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub id: i64,
    pub product_id: i64,
    pub product_name: String,
    pub vendor: String,
    pub level: String,
    pub declaration_id: String,
    pub sbom_sha256: String,
    pub checks: Vec<CheckResult>,
    pub status: String,
    pub submitted: i64,
    pub decided: Option<i64>,
    pub comment: Option<String>,
    pub label_number: Option<String>,
    /// The registry's own known-vulnerability check of the SBOM; `None` for an application
    /// stored before the registry checked for itself.
    pub registry_check: Option<RegistryCheck>,
    /// VEX statements sent with the application.
    pub vex_statements: usize,
}

/// A label as the public sees it on a given day.
#[derive(Debug, Clone, Serialize)]
pub struct Label {
    pub number: String,
    pub level: String,
    pub scheme_version: String,
    pub assurance: Assurance,
    pub status: Status,
    pub state: State,
    pub issued: String,
    pub first_evaluated: String,
    pub expires: String,
    pub support_end: String,
    pub vendor: String,
    pub product_name: String,
    pub model: String,
    pub firmware_version: String,
    pub product_type: Option<String>,
    pub vulnerability_contact: String,
    pub updated: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LabelEvent {
    pub seq: i64,
    pub label: String,
    pub kind: String,
    pub status: String,
    pub at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Search {
    pub vendor: Option<String>,
    pub product_type: Option<String>,
    pub level: Option<String>,
    pub status: Option<Status>,
    /// Words in the product name or model.
    pub text: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

/// The longest life of an API token, in days.
pub const TOKEN_MAX_DAYS: i64 = 365;
/// An API token's life when its maker does not choose one, in days.
pub const TOKEN_DEFAULT_DAYS: i64 = 90;

/// What an API token may do; each scope includes the ones before it. No token, whatever its
/// scope, makes tokens, registers signing keys or acts as staff: those need a person logged in
/// with the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenScope {
    /// Read the vendor's own pages and data: products, applications and their checks, labels,
    /// notices.
    Read,
    /// Read, and submit: upload an application (signed declaration and SBOM), VEX and updated
    /// SBOMs for a label.
    Submit,
    /// Submit, and manage the product list: register products.
    Manage,
}

impl TokenScope {
    pub const ALL: [TokenScope; 3] = [TokenScope::Read, TokenScope::Submit, TokenScope::Manage];

    pub fn name(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Submit => "submit",
            TokenScope::Manage => "manage",
        }
    }

    pub fn parse(text: &str) -> Option<TokenScope> {
        TokenScope::ALL.into_iter().find(|scope| scope.name() == text)
    }

    /// What the scope allows, in words.
    pub fn text(self) -> Text {
        match self {
            TokenScope::Read => Text::new(
                "read: the vendor's own products, applications, labels and notices",
                "read: 自社の製品・申請・ラベル・お知らせの閲覧",
            ),
            TokenScope::Submit => Text::new(
                "submit: read, and upload applications, VEX and SBOMs",
                "submit: 閲覧に加え、申請・VEX・SBOM のアップロード",
            ),
            TokenScope::Manage => {
                Text::new("manage: submit, and register products", "manage: submit に加え、製品の登録")
            }
        }
    }
}

/// An API token as its owners see it (never the token itself).
#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    /// The token's name on the vendor's page: the first 16 hex digits of its hash.
    pub id: String,
    pub name: String,
    pub scope: TokenScope,
    pub created: i64,
    pub expires: i64,
    pub revoked: Option<i64>,
    /// The e-mail of the user who made it.
    pub owner: String,
}

/// What an API token is worth at a given moment.
#[derive(Debug, Clone)]
pub enum TokenCheck {
    Valid {
        user: User,
        scope: TokenScope,
    },
    Expired {
        at: i64,
    },
    Revoked {
        at: i64,
    },
    /// No such token.
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub detail: String,
}

#[derive(Clone)]
pub struct Registry {
    pool: AnyPool,
    backend: Backend,
    catalog: Arc<Catalog>,
    /// The registry's own vulnerability database, which applications are checked against.
    vulndb: Option<Arc<Path>>,
}

pub(crate) fn day(text: &str) -> Result<Date, RegistryError> {
    text.parse::<Date>().map_err(|_| {
        invalid(format!("`{text}` is not a date (YYYY-MM-DD)"), format!("`{text}` は日付 (YYYY-MM-DD) ではありません"))
    })
}

fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    // getrandom fails only when the OS has no randomness at all; a token must then not be made.
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn token_hash(token: &str) -> String {
    tekigo_assess::folder::sha256_hex(token.as_bytes())
}

/// The SQLite URL of a data folder: `DIR/registry.sqlite` (made when missing by
/// [`Registry::open`], never by [`Registry::open_existing`]).
pub fn default_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("registry.sqlite").display())
}

const SESSION_SECONDS: i64 = 8 * 3600;

/// The file of a `sqlite:` URL and its query (`sqlite://PATH?mode=rwc`), `None` for an
/// in-memory database.
fn sqlite_file(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    (!path.is_empty() && path != ":memory:").then_some((path, query))
}

impl Registry {
    /// Connects and brings the schema up to date. `sqlite://PATH` (the file and its folder are
    /// made when missing) or `postgres://...`. For `tekigo serve` and tests.
    pub async fn open(url: &str, catalog: Arc<Catalog>) -> Result<Registry, RegistryError> {
        Self::open_with(url, catalog, true).await
    }

    /// Opens a registry that exists: a missing SQLite file, or a PostgreSQL database without the
    /// registry's tables, is [`RegistryError::NoRegistry`] and nothing is made. For the commands
    /// that work on a registry `serve` made; an empty new one would only answer "0".
    pub async fn open_existing(url: &str, catalog: Arc<Catalog>) -> Result<Registry, RegistryError> {
        Self::open_with(url, catalog, false).await
    }

    async fn open_with(url: &str, catalog: Arc<Catalog>, create: bool) -> Result<Registry, RegistryError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(invalid(
                format!("`{url}`: the database URL must start with sqlite: or postgres://"),
                format!("`{url}`: データベースの URL は sqlite: か postgres:// で始めてください"),
            ));
        };
        let mut options = AnyPoolOptions::new().max_connections(if backend == Backend::Sqlite { 8 } else { 16 });
        if backend == Backend::Sqlite {
            // WAL lets readers run beside the one writer; foreign keys are off by default in SQLite.
            options = options.after_connect(|connection, _| {
                Box::pin(async move {
                    sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *connection).await?;
                    sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *connection).await?;
                    sqlx::query("PRAGMA busy_timeout = 5000").execute(&mut *connection).await?;
                    sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *connection).await?;
                    Ok(())
                })
            });
        }
        let mut connect_url = url.to_owned();
        if backend == Backend::Sqlite
            && let Some((path, query)) = sqlite_file(url)
        {
            let file = Path::new(path);
            if !create && !file.is_file() {
                return Err(RegistryError::NoRegistry(file.display().to_string()));
            }
            if create && !file.exists() {
                if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|error| {
                        invalid(
                            format!("cannot make the folder {}: {error}", parent.display()),
                            format!("フォルダ {} を作成できません: {error}", parent.display()),
                        )
                    })?;
                }
                // SQLite opens an existing file only, unless told it may make one.
                if !query.split('&').any(|pair| pair.starts_with("mode=")) {
                    connect_url.push_str(if query.is_empty() { "?mode=rwc" } else { "&mode=rwc" });
                }
            }
        }
        let pool = options.connect(&connect_url).await?;
        if !create && backend == Backend::Postgres {
            let tables: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'labels'",
            )
            .fetch_one(&pool)
            .await?;
            if tables == 0 {
                pool.close().await;
                let place = url.rsplit_once('/').map_or("", |(_, name)| name.split('?').next().unwrap_or(name));
                return Err(RegistryError::NoRegistry(format!("PostgreSQL database `{place}`")));
            }
        }
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        let registry = Registry { pool, backend, catalog, vulndb: None };
        registry.catch_up_log().await?;
        Ok(registry)
    }

    /// A write transaction. On SQLite it is `BEGIN IMMEDIATE`: the write lock is taken at once,
    /// so a transaction that reads before it writes waits its turn (the busy timeout) instead of
    /// failing when another writer committed in between.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Checks every application's SBOM against the vulnerability database in `dir`
    /// (vulnerability_check.rs). Without one the registry records that it did not check.
    pub fn with_vulndb(mut self, dir: &Path) -> Registry {
        self.vulndb = Some(Arc::from(dir));
        self
    }

    pub fn vulndb(&self) -> Option<&Path> {
        self.vulndb.as_deref()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub(crate) async fn audit(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        now: i64,
        actor: &str,
        action: &str,
        object: &str,
        detail: serde_json::Value,
    ) -> Result<(), RegistryError> {
        sqlx::query("INSERT INTO audit (at, actor, action, object, detail) VALUES ($1, $2, $3, $4, $5)")
            .bind(now)
            .bind(actor)
            .bind(action)
            .bind(object)
            .bind(detail.to_string())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    // ---------------------------------------------------------------------------------------
    // Accounts

    /// Runs password hashing (tens of milliseconds of CPU and memory each) off the async
    /// workers and at most one per core at a time, so a flood of log-ins or sign-ups queues here
    /// instead of stalling every other request, label verification included.
    async fn password_work<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, RegistryError> {
        static SLOTS: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
            tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
        });
        let _slot = SLOTS
            .acquire()
            .await
            .map_err(|_| invalid("password hashing is shut down", "パスワード処理が停止しています"))?;
        tokio::task::spawn_blocking(work).await.map_err(|error| {
            invalid(format!("password hashing failed: {error}"), format!("パスワードを処理できません: {error}"))
        })
    }

    async fn hash_password_off_thread(password: &str) -> Result<String, RegistryError> {
        let password = password.to_owned();
        Self::password_work(move || Self::hash_password(&password)).await?
    }

    fn hash_password(password: &str) -> Result<String, RegistryError> {
        if password.chars().count() < 10 {
            return Err(invalid("a password needs at least 10 characters", "パスワードは10文字以上にしてください"));
        }
        Argon2::default().hash_password(password.as_bytes()).map(|hash| hash.to_string()).map_err(|error| {
            invalid(format!("password hashing failed: {error}"), format!("パスワードを処理できません: {error}"))
        })
    }

    /// A vendor signs up: a new organisation and its first user.
    pub async fn sign_up_vendor(
        &self,
        organisation: &str,
        email: &str,
        name: &str,
        password: &str,
        now: i64,
    ) -> Result<User, RegistryError> {
        let organisation = organisation.trim();
        let email = email.trim().to_lowercase();
        if organisation.is_empty() || name.trim().is_empty() {
            return Err(invalid("organisation and name are required", "組織名と氏名は必須です"));
        }
        validate::name(("organisation", "組織名"), organisation).map_err(RegistryError::Invalid)?;
        validate::name(("name", "氏名"), name).map_err(RegistryError::Invalid)?;
        if !email.contains('@') || email.len() > 254 {
            return Err(invalid(
                format!("`{email}` is not an e-mail address"),
                format!("`{email}` はメールアドレスではありません"),
            ));
        }
        let hash = Self::hash_password_off_thread(password).await?;
        let mut tx = self.begin_write().await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
            .bind(organisation)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(invalid(
                format!("an organisation named `{organisation}` is registered already"),
                format!("組織 `{organisation}` は登録済みです"),
            ));
        }
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(&email).fetch_optional(&mut *tx).await?;
        if taken.is_some() {
            return Err(invalid(
                format!("`{email}` has an account already"),
                format!("`{email}` のアカウントは登録済みです"),
            ));
        }
        let organisation_id: i64 = sqlx::query_scalar(
            "INSERT INTO organisations (name, kind, created) VALUES ($1, 'vendor', $2) RETURNING id",
        )
        .bind(organisation)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, name, role, organisation_id, password_hash, created) VALUES ($1, $2, 'vendor', $3, $4, $5) RETURNING id",
        )
        .bind(&email)
        .bind(name.trim())
        .bind(organisation_id)
        .bind(&hash)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        Self::audit(
            &mut tx,
            now,
            &email,
            "sign-up",
            &format!("organisation:{organisation_id}"),
            serde_json::json!({ "organisation": organisation }),
        )
        .await?;
        tx.commit().await?;
        Ok(User { id, email, name: name.trim().to_owned(), role: Role::Vendor, organisation_id: Some(organisation_id) })
    }

    /// Staff accounts are made by an admin, or by `tekigo serve --admin` at first start.
    pub async fn create_staff(
        &self,
        actor: Option<&User>,
        email: &str,
        name: &str,
        role: Role,
        password: &str,
        now: i64,
    ) -> Result<User, RegistryError> {
        if let Some(actor) = actor
            && actor.role != Role::Admin
        {
            return Err(RegistryError::Forbidden("only an admin creates staff accounts".into()));
        }
        if !role.is_staff() {
            return Err(invalid(
                "staff accounts are reviewer, committee or admin",
                "職員のアカウントは reviewer・committee・admin のいずれかです",
            ));
        }
        let email = email.trim().to_lowercase();
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid("the name is required", "氏名は必須です"));
        }
        validate::name(("name", "氏名"), name).map_err(RegistryError::Invalid)?;
        if !email.contains('@') || email.len() > 254 {
            return Err(invalid(
                format!("`{email}` is not an e-mail address"),
                format!("`{email}` はメールアドレスではありません"),
            ));
        }
        let hash = Self::hash_password_off_thread(password).await?;
        let mut tx = self.begin_write().await?;
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(&email).fetch_optional(&mut *tx).await?;
        if taken.is_some() {
            return Err(invalid(
                format!("`{email}` has an account already"),
                format!("`{email}` のアカウントは登録済みです"),
            ));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, name, role, organisation_id, password_hash, created) VALUES ($1, $2, $3, NULL, $4, $5) RETURNING id",
        )
        .bind(&email)
        .bind(name)
        .bind(role.name())
        .bind(&hash)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let by = actor.map_or("system".to_owned(), |a| a.email.clone());
        Self::audit(
            &mut tx,
            now,
            &by,
            "create-staff",
            &format!("user:{id}"),
            serde_json::json!({ "email": email, "role": role.name() }),
        )
        .await?;
        tx.commit().await?;
        Ok(User { id, email, name: name.to_owned(), role, organisation_id: None })
    }

    fn user_from(row: &AnyRow) -> Result<User, RegistryError> {
        let role: String = row.try_get("role")?;
        Ok(User {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            role: Role::parse(&role).ok_or_else(|| RegistryError::NotFound(format!("role {role}")))?,
            organisation_id: row.try_get("organisation_id")?,
        })
    }

    pub async fn authenticate(&self, email: &str, password: &str) -> Result<Option<User>, RegistryError> {
        let row =
            sqlx::query("SELECT id, email, name, role, organisation_id, password_hash FROM users WHERE email = $1")
                .bind(email.trim().to_lowercase())
                .fetch_optional(&self.pool)
                .await?;
        let password = password.to_owned();
        let Some(row) = row else {
            // Spend the same work as a wrong password, so the answer's timing does not tell
            // which e-mail addresses have accounts.
            Self::password_work(move || {
                let _ = Self::hash_password(&password).or_else(|_| Self::hash_password("not a password at all"));
            })
            .await?;
            return Ok(None);
        };
        let hash: String = row.try_get("password_hash")?;
        let verified = Self::password_work(move || {
            PasswordHash::new(&hash)
                .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await?;
        if verified { Ok(Some(Self::user_from(&row)?)) } else { Ok(None) }
    }

    /// The account with this e-mail address, if any.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, RegistryError> {
        let row = sqlx::query("SELECT id, email, name, role, organisation_id FROM users WHERE email = $1")
            .bind(email.trim().to_lowercase())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(Self::user_from).transpose()
    }

    /// A new session: the cookie token and its CSRF token. Only the token's hash is stored.
    pub async fn create_session(&self, user: &User, now: i64) -> Result<(String, String), RegistryError> {
        let token = random_token("");
        let csrf = random_token("");
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf, expires) VALUES ($1, $2, $3, $4)")
            .bind(token_hash(&token))
            .bind(user.id)
            .bind(&csrf)
            .bind(now + SESSION_SECONDS)
            .execute(&self.pool)
            .await?;
        Ok((token, csrf))
    }

    pub async fn session(&self, token: &str, now: i64) -> Result<Option<(User, String)>, RegistryError> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.name, u.role, u.organisation_id, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires > $2",
        )
        .bind(token_hash(token))
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some((Self::user_from(&row)?, row.try_get("csrf")?))),
            None => Ok(None),
        }
    }

    pub async fn end_session(&self, token: &str) -> Result<(), RegistryError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash(token)).execute(&self.pool).await?;
        Ok(())
    }

    /// An API token for machines, shown once (only its hash is stored), with a `scope` and a
    /// life of `days` (1 to [`TOKEN_MAX_DAYS`]). Audited with its name, scope and expiry.
    pub async fn create_api_token(
        &self,
        user: &User,
        name: &str,
        scope: TokenScope,
        days: i64,
        now: i64,
    ) -> Result<(String, ApiToken), RegistryError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(invalid(
                "Give the token a name of at most 100 characters (what it is for, e.g. \"CI upload\").",
                "トークンに100文字以内の名前を付けてください（用途。例: 「CI からのアップロード」）。",
            ));
        }
        if !(1..=TOKEN_MAX_DAYS).contains(&days) {
            return Err(invalid(
                format!("A token lives from 1 to {TOKEN_MAX_DAYS} days; {days} is outside that."),
                format!("トークンの有効期間は 1 日から {TOKEN_MAX_DAYS} 日までです（{days} は範囲外です）。"),
            ));
        }
        let token = random_token("tkg_");
        let hash = token_hash(&token);
        let made = ApiToken {
            id: hash[..16].to_owned(),
            name: name.to_owned(),
            scope,
            created: now,
            expires: now + days * 86_400,
            revoked: None,
            owner: user.email.clone(),
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO api_tokens (token_hash, id, user_id, name, scope, created, expires) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&hash)
        .bind(&made.id)
        .bind(user.id)
        .bind(name)
        .bind(scope.name())
        .bind(now)
        .bind(made.expires)
        .execute(&mut *tx)
        .await?;
        Self::audit(
            &mut tx,
            now,
            &user.email,
            "create-api-token",
            &format!("api-token:{}", made.id),
            serde_json::json!({ "name": name, "scope": scope.name(), "expires": made.expires }),
        )
        .await?;
        tx.commit().await?;
        Ok((token, made))
    }

    /// What an `Authorization: Bearer` token stands for at `now`.
    pub async fn api_token(&self, token: &str, now: i64) -> Result<TokenCheck, RegistryError> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.name, u.role, u.organisation_id, t.scope, t.expires, t.revoked \
             FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
        )
        .bind(token_hash(token))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(TokenCheck::Unknown) };
        if let Some(at) = row.try_get::<Option<i64>, _>("revoked")? {
            return Ok(TokenCheck::Revoked { at });
        }
        let expires: i64 = row.try_get("expires")?;
        if expires <= now {
            return Ok(TokenCheck::Expired { at: expires });
        }
        let scope: String = row.try_get("scope")?;
        // A scope this version does not know grants nothing.
        let Some(scope) = TokenScope::parse(&scope) else { return Ok(TokenCheck::Unknown) };
        Ok(TokenCheck::Valid { user: Self::user_from(&row)?, scope })
    }

    /// The API tokens of the user's organisation (a staff member's own), newest first,
    /// revoked and expired ones included.
    pub async fn api_tokens(&self, user: &User) -> Result<Vec<ApiToken>, RegistryError> {
        let columns = "t.id, t.name, t.scope, t.created, t.expires, t.revoked, u.email";
        let rows = match user.organisation_id {
            Some(organisation) => {
                sqlx::query(safe!(
                    "SELECT {columns} FROM api_tokens t JOIN users u ON u.id = t.user_id \
                     WHERE u.organisation_id = $1 ORDER BY t.created DESC, t.id"
                ))
                .bind(organisation)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(safe!(
                    "SELECT {columns} FROM api_tokens t JOIN users u ON u.id = t.user_id \
                     WHERE t.user_id = $1 ORDER BY t.created DESC, t.id"
                ))
                .bind(user.id)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter()
            .map(|row| {
                let scope: String = row.try_get("scope")?;
                Ok(ApiToken {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    scope: TokenScope::parse(&scope).unwrap_or(TokenScope::Read),
                    created: row.try_get("created")?,
                    expires: row.try_get("expires")?,
                    revoked: row.try_get("revoked")?,
                    owner: row.try_get("email")?,
                })
            })
            .collect()
    }

    /// Revokes one of the organisation's tokens (a staff member's own) for good; audited. A token
    /// of someone else is "not found"; revoking a revoked token changes nothing.
    pub async fn revoke_api_token(&self, user: &User, id: &str, now: i64) -> Result<(), RegistryError> {
        let mut tx = self.begin_write().await?;
        let owner = sqlx::query(
            "SELECT t.user_id, u.organisation_id, t.revoked FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let not_found = || RegistryError::NotFound(format!("API token {id}"));
        let Some(owner) = owner else { return Err(not_found()) };
        let owner_id: i64 = owner.try_get("user_id")?;
        let owner_organisation: Option<i64> = owner.try_get("organisation_id")?;
        let same = match user.organisation_id {
            Some(organisation) => owner_organisation == Some(organisation),
            None => owner_id == user.id,
        };
        if !same {
            return Err(not_found());
        }
        if owner.try_get::<Option<i64>, _>("revoked")?.is_some() {
            return Ok(());
        }
        sqlx::query("UPDATE api_tokens SET revoked = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *tx).await?;
        Self::audit(&mut tx, now, &user.email, "revoke-api-token", &format!("api-token:{id}"), serde_json::json!({}))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A vendor registers the public key its declarations are signed with.
    pub async fn add_signing_key(&self, user: &User, pem: &str, now: i64) -> Result<String, RegistryError> {
        let organisation = user
            .organisation_id
            .ok_or_else(|| RegistryError::Forbidden("only a vendor registers signing keys".into()))?;
        let key = VerifyingKey::from_public_key_pem(pem.trim()).map_err(|error| {
            invalid(
                format!("not an Ed25519 public key in PEM: {error}"),
                format!("Ed25519 の公開鍵 (PEM) ではありません: {error}"),
            )
        })?;
        let key_id = tekigo_assess::keys::key_id(&key);
        let mut tx = self.begin_write().await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT organisation_id FROM signing_keys WHERE key_id = $1")
            .bind(&key_id)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_none() {
            sqlx::query(
                "INSERT INTO signing_keys (organisation_id, key_id, public_key_pem, added) VALUES ($1, $2, $3, $4)",
            )
            .bind(organisation)
            .bind(&key_id)
            .bind(pem.trim())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Self::audit(
                &mut tx,
                now,
                &user.email,
                "add-signing-key",
                &format!("organisation:{organisation}"),
                serde_json::json!({ "key_id": key_id }),
            )
            .await?;
        } else if taken != Some(organisation) {
            return Err(invalid("this key is registered by another organisation", "この鍵は他の組織が登録済みです"));
        }
        tx.commit().await?;
        Ok(key_id)
    }

    async fn signing_keys(&self, organisation: i64) -> Result<Vec<VerifyingKey>, RegistryError> {
        let pems: Vec<String> =
            sqlx::query_scalar("SELECT public_key_pem FROM signing_keys WHERE organisation_id = $1 ORDER BY id")
                .bind(organisation)
                .fetch_all(&self.pool)
                .await?;
        Ok(pems.iter().filter_map(|pem| VerifyingKey::from_public_key_pem(pem).ok()).collect())
    }

    pub async fn signing_key_ids(&self, user: &User) -> Result<Vec<String>, RegistryError> {
        let Some(organisation) = user.organisation_id else { return Ok(Vec::new()) };
        Ok(sqlx::query_scalar("SELECT key_id FROM signing_keys WHERE organisation_id = $1 ORDER BY id")
            .bind(organisation)
            .fetch_all(&self.pool)
            .await?)
    }

    // ---------------------------------------------------------------------------------------
    // Products

    pub async fn create_product(
        &self,
        user: &User,
        product: NewProduct,
        today: Date,
        now: i64,
    ) -> Result<Product, RegistryError> {
        let organisation =
            user.organisation_id.ok_or_else(|| RegistryError::Forbidden("only a vendor registers products".into()))?;
        let mut missing = Vec::new();
        for (value, en, ja) in [
            (&product.name, "product name", "製品名"),
            (&product.model, "model", "型番"),
            (&product.firmware_version, "firmware version", "ファームウェアのバージョン"),
            (&product.support_end, "support end", "サポート終了日"),
            (&product.vulnerability_contact, "vulnerability contact", "脆弱性の連絡先"),
        ] {
            if value.trim().is_empty() {
                missing.push((en, ja));
            } else if value.len() > 500 {
                return Err(invalid(
                    format!("{en}: at most 500 characters"),
                    format!("{ja}: 500文字以内にしてください"),
                ));
            }
        }
        if !missing.is_empty() {
            return Err(invalid(
                format!("missing: {}", missing.iter().map(|m| m.0).collect::<Vec<_>>().join(", ")),
                format!("未入力: {}", missing.iter().map(|m| m.1).collect::<Vec<_>>().join("、")),
            ));
        }
        validate::name(("product name", "製品名"), &product.name).map_err(RegistryError::Invalid)?;
        validate::name(("model", "型番"), &product.model).map_err(RegistryError::Invalid)?;
        validate::name(("firmware version", "ファームウェアのバージョン"), &product.firmware_version)
            .map_err(RegistryError::Invalid)?;
        validate::vulnerability_contact(&product.vulnerability_contact).map_err(RegistryError::Invalid)?;
        let support_end = day(product.support_end.trim())?;
        if support_end <= today {
            return Err(invalid(
                format!("support end {support_end} is not in the future (SCHEME §5.1)"),
                format!("サポート終了日 {support_end} が将来の日付ではありません（SCHEME §5.1）"),
            ));
        }
        if let Some(product_type) = &product.product_type
            && !self.catalog.schemes.iter().any(|s| s.product_types.iter().any(|t| &t.id == product_type))
        {
            return Err(invalid(
                format!("unknown product type `{product_type}`"),
                format!("製品類型 `{product_type}` は定義されていません"),
            ));
        }
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM products WHERE organisation_id = $1 AND model = $2 AND firmware_version = $3",
        )
        .bind(organisation)
        .bind(product.model.trim())
        .bind(product.firmware_version.trim())
        .fetch_optional(&mut *tx)
        .await?;
        if exists.is_some() {
            return Err(invalid(
                format!("{} firmware {} is registered already", product.model.trim(), product.firmware_version.trim()),
                format!("{} ファームウェア {} は登録済みです", product.model.trim(), product.firmware_version.trim()),
            ));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO products (organisation_id, name, model, firmware_version, product_type, support_end, vulnerability_contact, created) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(organisation)
        .bind(product.name.trim())
        .bind(product.model.trim())
        .bind(product.firmware_version.trim())
        .bind(product.product_type.clone())
        .bind(support_end.to_string())
        .bind(product.vulnerability_contact.trim())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        Self::audit(
            &mut tx,
            now,
            &user.email,
            "create-product",
            &format!("product:{id}"),
            serde_json::json!({ "model": product.model, "firmware": product.firmware_version }),
        )
        .await?;
        tx.commit().await?;
        self.product(user, id).await
    }

    fn product_from(row: &AnyRow) -> Result<Product, RegistryError> {
        Ok(Product {
            id: row.try_get("id")?,
            organisation_id: row.try_get("organisation_id")?,
            vendor: row.try_get("vendor")?,
            name: row.try_get("name")?,
            model: row.try_get("model")?,
            firmware_version: row.try_get("firmware_version")?,
            product_type: row.try_get("product_type")?,
            support_end: row.try_get("support_end")?,
            vulnerability_contact: row.try_get("vulnerability_contact")?,
        })
    }

    const PRODUCT_COLUMNS: &'static str = "p.id, p.organisation_id, o.name AS vendor, p.name, p.model, p.firmware_version, \
         p.product_type, p.support_end, p.vulnerability_contact FROM products p JOIN organisations o ON o.id = p.organisation_id";

    /// One product, if the user may see it: its vendor's own, or any for staff. Another vendor's
    /// product is "not found", not "forbidden": its existence is not disclosed.
    pub async fn product(&self, user: &User, id: i64) -> Result<Product, RegistryError> {
        let row = sqlx::query(safe!("SELECT {} WHERE p.id = $1", Self::PRODUCT_COLUMNS))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let product = row.map(|row| Self::product_from(&row)).transpose()?;
        match product {
            Some(product) if user.role.is_staff() || user.organisation_id == Some(product.organisation_id) => {
                Ok(product)
            }
            _ => Err(RegistryError::NotFound(format!("product {id}"))),
        }
    }

    pub async fn products(&self, user: &User) -> Result<Vec<Product>, RegistryError> {
        let rows = if user.role.is_staff() {
            sqlx::query(safe!("SELECT {} ORDER BY p.id DESC LIMIT 500", Self::PRODUCT_COLUMNS))
                .fetch_all(&self.pool)
                .await?
        } else {
            sqlx::query(safe!("SELECT {} WHERE p.organisation_id = $1 ORDER BY p.id DESC", Self::PRODUCT_COLUMNS))
                .bind(user.organisation_id.unwrap_or(-1))
                .fetch_all(&self.pool)
                .await?
        };
        rows.iter().map(Self::product_from).collect()
    }

    // ---------------------------------------------------------------------------------------
    // Applications

    /// Submits a signed self-declaration and its SBOM for a product. The automatic checks run
    /// first; an application that fails any is refused and nothing is stored.
    pub async fn submit(
        &self,
        user: &User,
        product_id: i64,
        declaration: &[u8],
        sbom: &[u8],
        today: Date,
        now: i64,
    ) -> Result<Application, RegistryError> {
        self.submit_upload(user, product_id, Upload { declaration, sbom, vex: None, files: &[] }, today, now).await
    }

    /// [`Registry::submit`] with everything a vendor may upload: a VEX document, which the
    /// registry's own vulnerability check applies and the label keeps, and evidence files.
    pub async fn submit_upload(
        &self,
        user: &User,
        product_id: i64,
        upload: Upload<'_>,
        today: Date,
        now: i64,
    ) -> Result<Application, RegistryError> {
        let Upload { declaration, sbom, vex, files } = upload;
        if user.role != Role::Vendor {
            return Err(RegistryError::Forbidden("only the vendor applies for its product".into()));
        }
        let product = self.product(user, product_id).await?;
        let keys = self.signing_keys(product.organisation_id).await?;
        let expected = Expected {
            vendor: &product.vendor,
            name: &product.name,
            model: &product.model,
            firmware_version: &product.firmware_version,
            support_end: day(&product.support_end)?,
            today,
        };
        let (declared, results) = checks::check_application(&self.catalog, declaration, sbom, &keys, &expected)
            .map_err(RegistryError::Rejected)?;
        let sent_vex = match vex {
            None => Vec::new(),
            Some(bytes) => {
                let statements = tekigo_vuln::vex::read(bytes, "VEX").map_err(|error| {
                    RegistryError::Rejected(vec![Text::new(
                        format!("the VEX document cannot be read: {error}"),
                        format!("VEX 文書を読めません: {error}"),
                    )])
                })?;
                if statements.is_empty() {
                    return Err(RegistryError::Rejected(vec![Text::new(
                        "the VEX document holds no statement",
                        "VEX 文書に記述がありません",
                    )]));
                }
                statements
            }
        };
        let files = checks::named_files(&declared, files).map_err(RegistryError::Rejected)?;
        let registry_check =
            self.check_vulnerabilities(product_id, &declared.scheme.level, sbom, &sent_vex, today).await?;
        if let Some(refusal) = registry_check.refusal() {
            return Err(RegistryError::Rejected(vec![refusal]));
        }
        let mut tx = self.begin_write().await?;
        let used: Option<i64> = sqlx::query_scalar("SELECT id FROM applications WHERE declaration_id = $1")
            .bind(&declared.id)
            .fetch_optional(&mut *tx)
            .await?;
        if used.is_some() {
            return Err(invalid(
                "this declaration was submitted before; sign a new one",
                "この宣言書は提出済みです。新しい宣言書に署名してください",
            ));
        }
        let pending: Option<i64> =
            sqlx::query_scalar("SELECT id FROM applications WHERE product_id = $1 AND status = 'submitted'")
                .bind(product_id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(pending) = pending {
            return Err(invalid(
                format!("application {pending} for this product is still under review"),
                format!("この製品の申請 {pending} は審査中です"),
            ));
        }
        let sha256 = tekigo_assess::folder::sha256_hex(sbom);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO applications (product_id, level, declaration_id, declaration, sbom, sbom_sha256, checks, status, submitted, submitted_by, \
             registry_check, vex) VALUES ($1, $2, $3, $4, $5, $6, $7, 'submitted', $8, $9, $10, $11) RETURNING id",
        )
        .bind(product_id)
        .bind(&declared.scheme.level)
        .bind(&declared.id)
        .bind(declaration.to_vec())
        .bind(sbom.to_vec())
        .bind(&sha256)
        .bind(serde_json::to_string(&results).unwrap_or_default())
        .bind(now)
        .bind(user.id)
        .bind(serde_json::to_string(&registry_check).unwrap_or_default())
        .bind(serde_json::to_string(&sent_vex).unwrap_or_default())
        .fetch_one(&mut *tx)
        .await?;
        for file in &files {
            sqlx::query(
                "INSERT INTO application_files (application_id, sha256, name, content) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(&file.sha256)
            .bind(&file.name)
            .bind(file.bytes.to_vec())
            .execute(&mut *tx)
            .await?;
        }
        Self::audit(
            &mut tx,
            now,
            &user.email,
            "submit",
            &format!("application:{id}"),
            serde_json::json!({
                "product": product_id,
                "declaration": declared.id,
                "sbom_sha256": sha256,
                "registry_check": registry_check.outcome,
                "vex_statements": sent_vex.len(),
                "files": files.iter().map(|f| serde_json::json!({ "name": f.name, "sha256": f.sha256 })).collect::<Vec<_>>(),
            }),
        )
        .await?;
        tx.commit().await?;
        self.application(user, id).await
    }

    const APPLICATION_COLUMNS: &'static str = "a.id, a.product_id, p.name AS product_name, o.name AS vendor, p.organisation_id, a.level, \
         a.declaration_id, a.sbom_sha256, a.checks, a.status, a.submitted, a.decided, a.comment, a.label_number, \
         a.registry_check, a.vex FROM applications a JOIN products p ON p.id = a.product_id JOIN organisations o ON o.id = p.organisation_id";

    fn application_from(row: &AnyRow) -> Result<Application, RegistryError> {
        let checks: String = row.try_get("checks")?;
        Ok(Application {
            id: row.try_get("id")?,
            product_id: row.try_get("product_id")?,
            product_name: row.try_get("product_name")?,
            vendor: row.try_get("vendor")?,
            level: row.try_get("level")?,
            declaration_id: row.try_get("declaration_id")?,
            sbom_sha256: row.try_get("sbom_sha256")?,
            checks: serde_json::from_str(&checks).unwrap_or_default(),
            status: row.try_get("status")?,
            submitted: row.try_get("submitted")?,
            decided: row.try_get("decided")?,
            comment: row.try_get("comment")?,
            label_number: row.try_get("label_number")?,
            registry_check: row
                .try_get::<Option<String>, _>("registry_check")?
                .and_then(|text| serde_json::from_str(&text).ok()),
            vex_statements: serde_json::from_str::<Vec<serde_json::Value>>(&row.try_get::<String, _>("vex")?)
                .map_or(0, |statements| statements.len()),
        })
    }

    /// The registry's own known-vulnerability check of an application's SBOM at `level`, with
    /// the VEX sent with it and the VEX the product's label holds already (a renewal).
    async fn check_vulnerabilities(
        &self,
        product_id: i64,
        level: &str,
        sbom: &[u8],
        sent_vex: &[tekigo_vuln::vex::VexStatement],
        today: Date,
    ) -> Result<RegistryCheck, RegistryError> {
        let Some(dir) = self.vulndb.clone() else {
            return Ok(RegistryCheck::not_checked(
                level,
                today,
                Text::new(
                    "the registry has no vulnerability database (tekigo serve --vulndb DIR): it did not check the SBOM itself",
                    "登録簿に脆弱性データベースがありません（tekigo serve --vulndb DIR）。SBOM を登録簿自身では確認していません",
                ),
            ));
        };
        let held: Option<String> = sqlx::query_scalar(
            "SELECT m.vex FROM monitored_labels m JOIN labels l ON l.number = m.label_number WHERE l.product_id = $1",
        )
        .bind(product_id)
        .fetch_optional(&self.pool)
        .await?;
        let mut vex = sent_vex.to_vec();
        vex.extend(
            held.and_then(|text| serde_json::from_str::<Vec<tekigo_vuln::vex::VexStatement>>(&text).ok())
                .unwrap_or_default(),
        );
        let (catalog, sbom, level_id) = (Arc::clone(&self.catalog), sbom.to_vec(), level.to_owned());
        let checked = tokio::task::spawn_blocking(move || {
            vulnerability_check::run(&dir, &catalog, &sbom, &level_id, &vex, today)
        })
        .await;
        Ok(checked.unwrap_or_else(|error| {
            RegistryCheck::not_checked(
                level,
                today,
                Text::new(
                    format!("the registry's vulnerability check stopped: {error}"),
                    format!("登録簿の脆弱性チェックが停止しました: {error}"),
                ),
            )
        }))
    }

    pub async fn application(&self, user: &User, id: i64) -> Result<Application, RegistryError> {
        let row = sqlx::query(safe!("SELECT {} WHERE a.id = $1", Self::APPLICATION_COLUMNS))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => {
                let organisation: i64 = row.try_get("organisation_id")?;
                if user.role.is_staff() || user.organisation_id == Some(organisation) {
                    Self::application_from(&row)
                } else {
                    Err(RegistryError::NotFound(format!("application {id}")))
                }
            }
            None => Err(RegistryError::NotFound(format!("application {id}"))),
        }
    }

    /// A vendor's own applications; for staff, the queue of one status (or all).
    pub async fn applications(&self, user: &User, status: Option<&str>) -> Result<Vec<Application>, RegistryError> {
        let status = status.unwrap_or("%");
        let rows = if user.role.is_staff() {
            sqlx::query(safe!(
                "SELECT {} WHERE a.status LIKE $1 ORDER BY a.submitted, a.id LIMIT 500",
                Self::APPLICATION_COLUMNS
            ))
            .bind(status)
            .fetch_all(&self.pool)
            .await?
        } else {
            sqlx::query(safe!(
                "SELECT {} WHERE p.organisation_id = $1 AND a.status LIKE $2 ORDER BY a.id DESC",
                Self::APPLICATION_COLUMNS
            ))
            .bind(user.organisation_id.unwrap_or(-1))
            .bind(status)
            .fetch_all(&self.pool)
            .await?
        };
        rows.iter().map(Self::application_from).collect()
    }

    /// The stored declaration of an application, for the reviewer and the vendor.
    pub async fn application_files(&self, user: &User, id: i64) -> Result<(Vec<u8>, Vec<u8>), RegistryError> {
        self.application(user, id).await?;
        let row = sqlx::query("SELECT declaration, sbom FROM applications WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_get("declaration")?, row.try_get("sbom")?))
    }

    /// The SHA-256 of every evidence file uploaded with an application.
    pub async fn application_file_hashes(&self, user: &User, id: i64) -> Result<Vec<String>, RegistryError> {
        self.application(user, id).await?;
        Ok(sqlx::query_scalar("SELECT sha256 FROM application_files WHERE application_id = $1 ORDER BY name")
            .bind(id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// One evidence file uploaded with an application: its name and bytes.
    pub async fn application_file(
        &self,
        user: &User,
        id: i64,
        sha256: &str,
    ) -> Result<(String, Vec<u8>), RegistryError> {
        self.application(user, id).await?;
        let row = sqlx::query("SELECT name, content FROM application_files WHERE application_id = $1 AND sha256 = $2")
            .bind(id)
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("file {sha256} of application {id}")))?;
        Ok((row.try_get("name")?, row.try_get("content")?))
    }

    pub(crate) fn require_reviewer(user: &User) -> Result<(), RegistryError> {
        if matches!(user.role, Role::Reviewer | Role::Admin) {
            Ok(())
        } else {
            Err(RegistryError::Forbidden("only a certification-body reviewer decides applications".into()))
        }
    }

    /// Returns an application to its vendor with the reviewer's comment.
    pub async fn return_application(
        &self,
        reviewer: &User,
        id: i64,
        comment: &str,
        now: i64,
    ) -> Result<Application, RegistryError> {
        Self::require_reviewer(reviewer)?;
        if comment.trim().is_empty() {
            return Err(invalid("say why the application is returned", "差し戻しの理由を記入してください"));
        }
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query("UPDATE applications SET status = 'returned', decided = $1, decided_by = $2, comment = $3 WHERE id = $4 AND status = 'submitted'")
            .bind(now)
            .bind(reviewer.id)
            .bind(comment.trim())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(invalid(
                format!("application {id} is not waiting for review"),
                format!("申請 {id} は審査待ちではありません"),
            ));
        }
        Self::audit(
            &mut tx,
            now,
            &reviewer.email,
            "return",
            &format!("application:{id}"),
            serde_json::json!({ "comment": comment.trim() }),
        )
        .await?;
        tx.commit().await?;
        self.application(reviewer, id).await
    }

    /// Approves an application: issues the product's label, or renews it (same number, new dates).
    pub async fn approve(&self, reviewer: &User, id: i64, today: Date, now: i64) -> Result<Label, RegistryError> {
        Self::require_reviewer(reviewer)?;
        let application = self.application(reviewer, id).await?;
        if application.status != "submitted" {
            return Err(invalid(
                format!("application {id} is not waiting for review"),
                format!("申請 {id} は審査待ちではありません"),
            ));
        }
        let product = self.product(reviewer, application.product_id).await?;
        let (declaration_bytes, sbom_bytes) = self.application_files(reviewer, id).await?;
        let declaration: tekigo_assess::Declaration = serde_json::from_slice(&declaration_bytes).map_err(|error| {
            invalid(format!("stored declaration unreadable: {error}"), format!("保存された宣言書を読めません: {error}"))
        })?;
        let assurance = Assurance::for_level(&application.level);
        let support_end = day(&product.support_end)?;
        let mut tx = self.begin_write().await?;
        let existing =
            sqlx::query("SELECT number, first_evaluated, state, lifecycle FROM labels WHERE product_id = $1")
                .bind(product.id)
                .fetch_optional(&mut *tx)
                .await?;
        let (number, first_evaluated, event) = match &existing {
            Some(row) => {
                let state: String = row.try_get("state")?;
                if state == State::Revoked.name() {
                    return Err(invalid(
                        "the product's label was revoked; it cannot be renewed",
                        "この製品のラベルは取り消されています。更新できません",
                    ));
                }
                let first: String = row.try_get("first_evaluated")?;
                (row.try_get::<String, _>("number")?, day(&first)?, "renewed")
            }
            None => {
                let year = today.year();
                let counter = format!("label-serial-{}-{year}", application.level);
                sqlx::query("INSERT INTO counters (name, value) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING")
                    .bind(&counter)
                    .execute(&mut *tx)
                    .await?;
                let serial: i64 =
                    sqlx::query_scalar("UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value")
                        .bind(&counter)
                        .fetch_one(&mut *tx)
                        .await?;
                (rules::label_number(&application.level, year, serial.unsigned_abs()), today, "issued")
            }
        };
        let first_evaluated = if assurance == Assurance::SelfDeclared { today } else { first_evaluated };
        let expires = rules::expiry(assurance, today, support_end, first_evaluated)
            .map_err(|error| invalid(error.to_string(), "有効期間を計算できません（SCHEME §5.1）"))?;
        // One statement for issue and renewal: a renewal keeps the number and the product and
        // takes everything else from the new application.
        sqlx::query(
            "INSERT INTO labels (number, product_id, organisation_id, application_id, level, scheme_version, assurance, state, issued, \
             first_evaluated, expires, support_end, calendar_status, vendor, product_name, model, firmware_version, product_type, \
             vulnerability_contact, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9, $10, $11, 'valid', $12, $13, $14, $15, $16, $17, $18) \
             ON CONFLICT (number) DO UPDATE SET application_id = excluded.application_id, level = excluded.level, \
             scheme_version = excluded.scheme_version, assurance = excluded.assurance, state = 'active', issued = excluded.issued, \
             first_evaluated = excluded.first_evaluated, expires = excluded.expires, support_end = excluded.support_end, \
             calendar_status = 'valid', vendor = excluded.vendor, product_name = excluded.product_name, model = excluded.model, \
             firmware_version = excluded.firmware_version, product_type = excluded.product_type, \
             vulnerability_contact = excluded.vulnerability_contact, updated = excluded.updated",
        )
        .bind(&number)
        .bind(product.id)
        .bind(product.organisation_id)
        .bind(id)
        .bind(&application.level)
        .bind(&declaration.scheme.version)
        .bind(assurance.name())
        .bind(today.to_string())
        .bind(first_evaluated.to_string())
        .bind(expires.to_string())
        .bind(support_end.to_string())
        .bind(&product.vendor)
        .bind(&product.name)
        .bind(&product.model)
        .bind(&product.firmware_version)
        .bind(product.product_type.clone())
        .bind(&product.vulnerability_contact)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if let Some(row) = &existing {
            // A new declaration approved by a reviewer answers an open case; monitoring opens
            // a new one at its next run if the new SBOM still fails (lifecycle.rs).
            let stored: String = row.try_get("lifecycle")?;
            let lifecycle: Lifecycle = serde_json::from_str(&stored).unwrap_or(Lifecycle::Active);
            if !matches!(lifecycle, Lifecycle::Active) {
                let how = if declaration.product.firmware_version != product.firmware_version {
                    Correction::NewFirmware
                } else {
                    Correction::Reevaluated
                };
                Self::apply_in(
                    &mut tx,
                    &number,
                    &Event::Corrected { how, on: today },
                    &reviewer.email,
                    now,
                    serde_json::json!({ "application": id }),
                )
                .await?;
            }
        }
        Self::index_sbom_in(&mut tx, &number, &application.level, &sbom_bytes, crate::monitor::DIRTY_INDEXED).await?;
        // The VEX sent with the application stays with the label, for monitoring.
        let sent: String =
            sqlx::query_scalar("SELECT vex FROM applications WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
        let sent: Vec<tekigo_vuln::vex::VexStatement> = serde_json::from_str(&sent).unwrap_or_default();
        if !sent.is_empty() {
            let held: String = sqlx::query_scalar("SELECT vex FROM monitored_labels WHERE label_number = $1")
                .bind(&number)
                .fetch_one(&mut *tx)
                .await?;
            let mut all: Vec<tekigo_vuln::vex::VexStatement> = serde_json::from_str(&held).unwrap_or_default();
            all.extend(sent);
            sqlx::query("UPDATE monitored_labels SET vex = $1 WHERE label_number = $2")
                .bind(serde_json::to_string(&all).unwrap_or_default())
                .bind(&number)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE applications SET status = 'approved', decided = $1, decided_by = $2, label_number = $3 WHERE id = $4")
            .bind(now)
            .bind(reviewer.id)
            .bind(&number)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        Self::event(&mut tx, &number, event, Status::Valid, now, Some(format!("expires {expires}"))).await?;
        Self::audit(
            &mut tx,
            now,
            &reviewer.email,
            event,
            &format!("label:{number}"),
            serde_json::json!({ "application": id, "expires": expires.to_string() }),
        )
        .await?;
        tx.commit().await?;
        self.label(&number, today).await?.ok_or_else(|| RegistryError::NotFound(number))
    }

    pub(crate) async fn event(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        number: &str,
        kind: &str,
        status: Status,
        now: i64,
        detail: Option<String>,
    ) -> Result<(), RegistryError> {
        // Every label event takes the next place in the transparency log in its own INSERT, so
        // it never exists without its leaf (transparency.rs). Two writers that pick the same
        // place meet at the unique index: the second waits for the first, inserts nothing, and
        // takes the next place on its retry; a place given back by a rollback is taken again.
        if !crate::transparency::log_enabled() {
            sqlx::query(
                "INSERT INTO label_events (label_number, kind, status, at, detail) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(number)
            .bind(kind)
            .bind(status.name())
            .bind(now)
            .bind(&detail)
            .execute(&mut **tx)
            .await?;
            return Ok(());
        }
        for _ in 0..100 {
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO label_events (label_number, kind, status, at, detail, log_index) \
                 VALUES ($1, $2, $3, $4, $5, (SELECT coalesce(max(log_index), -1) + 1 FROM label_events)) \
                 ON CONFLICT (log_index) DO NOTHING RETURNING seq",
            )
            .bind(number)
            .bind(kind)
            .bind(status.name())
            .bind(now)
            .bind(&detail)
            .fetch_optional(&mut **tx)
            .await?;
            if inserted.is_some() {
                return Ok(());
            }
        }
        Err(invalid(
            "the transparency log is too busy: no free place after 100 attempts",
            "透明性ログが混み合っています（100 回試行しても空きがありません）",
        ))
    }

    // ---------------------------------------------------------------------------------------
    // Labels: public

    const LABEL_COLUMNS: &'static str = "number, level, scheme_version, assurance, state, issued, first_evaluated, expires, support_end, \
         vendor, product_name, model, firmware_version, product_type, vulnerability_contact, updated FROM labels";

    fn label_from(row: &AnyRow, today: Date) -> Result<Label, RegistryError> {
        let state: String = row.try_get("state")?;
        let state = State::parse(&state).unwrap_or(State::Suspended);
        let expires: String = row.try_get("expires")?;
        let support_end: String = row.try_get("support_end")?;
        let assurance: String = row.try_get("assurance")?;
        Ok(Label {
            number: row.try_get("number")?,
            level: row.try_get("level")?,
            scheme_version: row.try_get("scheme_version")?,
            assurance: if assurance == Assurance::ThirdParty.name() {
                Assurance::ThirdParty
            } else {
                Assurance::SelfDeclared
            },
            status: rules::status_on(state, today, day(&expires)?, day(&support_end)?),
            state,
            issued: row.try_get("issued")?,
            first_evaluated: row.try_get("first_evaluated")?,
            expires,
            support_end,
            vendor: row.try_get("vendor")?,
            product_name: row.try_get("product_name")?,
            model: row.try_get("model")?,
            firmware_version: row.try_get("firmware_version")?,
            product_type: row.try_get("product_type")?,
            vulnerability_contact: row.try_get("vulnerability_contact")?,
            updated: row.try_get("updated")?,
        })
    }

    /// A label by number, with its status on `today`.
    pub async fn label(&self, number: &str, today: Date) -> Result<Option<Label>, RegistryError> {
        if !rules::is_label_number(number) {
            return Ok(None);
        }
        let row = sqlx::query(safe!("SELECT {} WHERE number = $1", Self::LABEL_COLUMNS))
            .bind(number)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| Self::label_from(&row, today)).transpose()
    }

    /// The label's history, oldest first.
    pub async fn label_events(&self, number: &str) -> Result<Vec<LabelEvent>, RegistryError> {
        let rows = sqlx::query(
            "SELECT seq, label_number, kind, status, at, detail FROM label_events WHERE label_number = $1 ORDER BY seq",
        )
        .bind(number)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from).collect()
    }

    /// Public search. The status filter is turned into conditions on the stored state and the
    /// dates, so it is answered by the indexes, not by reading every label.
    pub async fn search(&self, search: &Search, today: Date) -> Result<(Vec<Label>, i64), RegistryError> {
        let mut conditions = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        let bind = |value: String, binds: &mut Vec<String>| {
            binds.push(value);
            format!("${}", binds.len())
        };
        if let Some(vendor) = &search.vendor {
            conditions.push(format!("vendor = {}", bind(vendor.clone(), &mut binds)));
        }
        if let Some(product_type) = &search.product_type {
            conditions.push(format!("product_type = {}", bind(product_type.clone(), &mut binds)));
        }
        if let Some(level) = &search.level {
            conditions.push(format!("level = {}", bind(level.clone(), &mut binds)));
        }
        if let Some(text) = search.text.as_ref().filter(|t| !t.trim().is_empty()) {
            let text = text.trim().replace(['%', '_'], "");
            // A case-insensitive substring of the product name or the model, answered by the
            // trigram indexes of migration 0009 when the text has a trigram (three characters
            // or more): SQLite's FTS5 table through a phrase of the text's trigrams, which is
            // the substring; PostgreSQL's pg_trgm GIN indexes through ILIKE. A shorter text
            // has no trigram and is read by a scan, as every search was before the index.
            if self.backend == Backend::Sqlite && text.chars().count() >= 3 {
                let phrase = format!("{{product_name model}} : \"{}\"", text.replace('"', "\"\""));
                let a = bind(phrase, &mut binds);
                conditions.push(format!(
                    "number IN (SELECT r.number FROM label_search s JOIN label_search_rows r ON r.id = s.rowid \
                     WHERE label_search MATCH {a})"
                ));
            } else {
                let like = if self.backend == Backend::Sqlite { "LIKE" } else { "ILIKE" };
                let pattern = format!("%{text}%");
                let a = bind(pattern.clone(), &mut binds);
                let b = bind(pattern, &mut binds);
                conditions.push(format!("(product_name {like} {a} OR model {like} {b})"));
            }
        }
        if let Some(status) = search.status {
            let today = today.to_string();
            let condition = match status {
                Status::Revoked => "state = 'revoked'".to_owned(),
                Status::Suspended => "state = 'suspended'".to_owned(),
                Status::SupportEnded => format!("state = 'active' AND support_end < {}", bind(today, &mut binds)),
                Status::Expired => {
                    let a = bind(today.clone(), &mut binds);
                    let b = bind(today, &mut binds);
                    format!("state = 'active' AND support_end >= {a} AND expires < {b}")
                }
                Status::Valid => {
                    let a = bind(today.clone(), &mut binds);
                    let b = bind(today, &mut binds);
                    format!("state = 'active' AND support_end >= {a} AND expires >= {b}")
                }
            };
            conditions.push(condition);
        }
        let filter = if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) };
        let limit = search.limit.clamp(1, 200);
        let offset = search.offset.max(0);
        let count_sql = format!("SELECT COUNT(*) FROM labels{filter}");
        let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql.clone()));
        for value in &binds {
            count = count.bind(value.clone());
        }
        let total = count.fetch_one(&self.pool).await?;
        let sql = format!("SELECT {}{filter} ORDER BY number LIMIT {limit} OFFSET {offset}", Self::LABEL_COLUMNS);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
        for value in &binds {
            query = query.bind(value.clone());
        }
        let rows = query.fetch_all(&self.pool).await?;
        let labels = rows.iter().map(|row| Self::label_from(row, today)).collect::<Result<Vec<_>, _>>()?;
        Ok((labels, total))
    }

    /// Events after `since` (a sequence number from an earlier page), oldest first: the feed
    /// sellers and insurers poll.
    pub async fn changes(&self, since: i64, limit: i64) -> Result<Vec<LabelEvent>, RegistryError> {
        let rows = sqlx::query(safe!(
            "SELECT seq, label_number, kind, status, at, detail FROM label_events WHERE seq > $1 ORDER BY seq LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from).collect()
    }

    /// The sequence number to pass to [`Registry::changes`] for the events at or after a time, for
    /// `since=` given as a date-time. With no such event yet it is the last event's number, so a
    /// poller that starts from "now" receives the events that come after.
    pub async fn first_seq_at(&self, at: i64) -> Result<i64, RegistryError> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT MIN(seq) FROM label_events WHERE at >= $1")
            .bind(at)
            .fetch_one(&self.pool)
            .await?;
        match seq {
            Some(seq) => Ok(seq - 1),
            None => Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(seq) FROM label_events")
                .fetch_one(&self.pool)
                .await?
                .unwrap_or(0)),
        }
    }

    /// Records the calendar's changes up to `today` (expiry, end of support) as events, once each,
    /// so the feed carries them. Idempotent; the status shown never waits for it.
    pub async fn sweep(&self, today: Date, now: i64) -> Result<usize, RegistryError> {
        let day = today.to_string();
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT number, expires, support_end, calendar_status FROM labels WHERE state = 'active' AND (expires < $1 OR support_end < $2) \
             AND calendar_status <> 'support-ended'",
        )
        .bind(&day)
        .bind(&day)
        .fetch_all(&mut *tx)
        .await?;
        let mut recorded = 0;
        for row in rows {
            let number: String = row.try_get("number")?;
            let expires: String = row.try_get("expires")?;
            let support_end: String = row.try_get("support_end")?;
            let before: String = row.try_get("calendar_status")?;
            let status = rules::status_on(State::Active, today, self::day(&expires)?, self::day(&support_end)?);
            if status.name() == before {
                continue;
            }
            sqlx::query("UPDATE labels SET calendar_status = $1, updated = $2 WHERE number = $3")
                .bind(status.name())
                .bind(now)
                .bind(&number)
                .execute(&mut *tx)
                .await?;
            let kind = if status == Status::SupportEnded { "support-ended" } else { "expired" };
            Self::event(&mut tx, &number, kind, status, now, None).await?;
            recorded += 1;
        }
        tx.commit().await?;
        // Grace periods and hearings run on the same calendar (lifecycle.rs).
        recorded += self.advance_lifecycles(today, now).await?.len();
        Ok(recorded)
    }

    pub async fn audit_trail(&self, user: &User, limit: i64) -> Result<Vec<AuditRecord>, RegistryError> {
        if !user.role.is_staff() {
            return Err(RegistryError::Forbidden("the audit trail is for staff".into()));
        }
        let rows = sqlx::query(safe!(
            "SELECT id, at, actor, action, object, detail FROM audit ORDER BY id DESC LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditRecord {
                    id: row.try_get("id")?,
                    at: row.try_get("at")?,
                    actor: row.try_get("actor")?,
                    action: row.try_get("action")?,
                    object: row.try_get("object")?,
                    detail: row.try_get("detail")?,
                })
            })
            .collect()
    }

    pub async fn label_count(&self) -> Result<i64, RegistryError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM labels").fetch_one(&self.pool).await?)
    }
}

/// A label event from a row with its columns (`seq, label_number, kind, status, at, detail`).
pub(crate) fn event_from(row: &AnyRow) -> Result<LabelEvent, RegistryError> {
    Ok(LabelEvent {
        seq: row.try_get("seq")?,
        label: row.try_get("label_number")?,
        kind: row.try_get("kind")?,
        status: row.try_get("status")?,
        at: row.try_get("at")?,
        detail: row.try_get("detail")?,
    })
}

impl FromStr for Backend {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" => Ok(Backend::Postgres),
            other => Err(format!("unknown backend `{other}`")),
        }
    }
}
