//! The shared layer under every domain: the [`Registry`] handle (its pool, backend, catalogue and
//! vulnerability database), connecting and migrating (SQLite or PostgreSQL through sqlx's `Any`
//! driver, with portable SQL: `$1` placeholders, `RETURNING`, no vendor functions), the error type,
//! write transactions and the audit record every write carries. It names no domain; every domain
//! names it.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use jiff::civil::Date;
use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use tekigo_base::Text;
use tekigo_criteria::Catalog;

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
    /// A stored value does not read as what it must be (a lifecycle, a state, an assurance). The
    /// registry refuses to guess: a label whose state cannot be read is not shown as valid.
    #[error("corrupt stored data: {what}: {detail}")]
    Corrupt { what: String, detail: String },
}

pub(crate) fn invalid(en: impl Into<String>, ja: impl Into<String>) -> RegistryError {
    RegistryError::Invalid(Text::new(en, ja))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
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

#[derive(Clone)]
pub struct Registry {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    pub(crate) catalog: Arc<Catalog>,
    /// The registry's own vulnerability database, which applications are checked against.
    pub(crate) vulndb: Option<Arc<Path>>,
    /// The application fees by route and level (applications/fees.rs).
    pub(crate) fees: Arc<crate::fees::FeeSchedule>,
}

/// A stored value that does not read as what it must be: logged, and refused (fail closed).
pub(crate) fn corrupt(what: impl Into<String>, detail: impl std::fmt::Display) -> RegistryError {
    let (what, detail) = (what.into(), detail.to_string());
    tracing::error!(what = %what, detail = %detail, "corrupt stored data");
    RegistryError::Corrupt { what, detail }
}

pub(crate) fn day(text: &str) -> Result<Date, RegistryError> {
    text.parse::<Date>().map_err(|_| {
        invalid(format!("`{text}` is not a date (YYYY-MM-DD)"), format!("`{text}` は日付 (YYYY-MM-DD) ではありません"))
    })
}

/// The SQLite URL of a data folder: `DIR/registry.sqlite` (made when missing by
/// [`Registry::open`], never by [`Registry::open_existing`]).
pub fn default_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("registry.sqlite").display())
}

/// The file of a `sqlite:` URL and its query (`sqlite://PATH?mode=rwc`), `None` for an
/// in-memory database.
fn sqlite_file(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    (!path.is_empty() && path != ":memory:").then_some((path, query))
}

impl Registry {
    /// Connects and brings the schema up to date; [`Registry::open`] (transparency.rs) then brings
    /// the transparency log up to date.
    pub(crate) async fn open_with(url: &str, catalog: Arc<Catalog>, create: bool) -> Result<Registry, RegistryError> {
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
        let registry =
            Registry { pool, backend, catalog, vulndb: None, fees: Arc::new(crate::fees::FeeSchedule::builtin()) };
        // Data steps a migration's SQL cannot do, each once.
        registry.refresh_model_keys().await?;
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

    /// Replaces the built-in fee schedule (IPA's published fees) with an operator's own.
    pub fn with_fees(mut self, fees: crate::fees::FeeSchedule) -> Registry {
        self.fees = Arc::new(fees);
        self
    }

    pub fn fees(&self) -> &crate::fees::FeeSchedule {
        &self.fees
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

    /// Whether the database answers (`SELECT 1`), for /healthz.
    pub async fn ping(&self) -> Result<(), RegistryError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
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
}
