//! Accounts (SCHEME §1): users and their roles, organisations, passwords, log-in sessions, the
//! audit trail staff read, and (tokens.rs) API tokens and vendors' signing keys. Every write runs
//! in a transaction together with its audit record.

mod tokens;

pub use tokens::{ApiToken, TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS, TokenCheck, TokenScope};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::{Registry, RegistryError, invalid};
use crate::validate;

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

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub detail: String,
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

const SESSION_SECONDS: i64 = 8 * 3600;

impl Registry {
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

    /// An e-mail address as accounts keep it: trimmed, lower case, plausible.
    fn checked_email(email: &str) -> Result<String, RegistryError> {
        let email = email.trim().to_lowercase();
        if !email.contains('@') || email.len() > 254 {
            return Err(invalid(
                format!("`{email}` is not an e-mail address"),
                format!("`{email}` はメールアドレスではありません"),
            ));
        }
        Ok(email)
    }

    /// A new organisation of `kind` (`vendor`, `lab`), in `tx`; refused when the name is taken.
    pub(crate) async fn new_organisation_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        name: &str,
        kind: &str,
        now: i64,
    ) -> Result<i64, RegistryError> {
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut **tx)
            .await?;
        if taken.is_some() {
            return Err(invalid(
                format!("an organisation named `{name}` is registered already"),
                format!("組織 `{name}` は登録済みです"),
            ));
        }
        Ok(sqlx::query_scalar("INSERT INTO organisations (name, kind, created) VALUES ($1, $2, $3) RETURNING id")
            .bind(name)
            .bind(kind)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?)
    }

    /// A new user, in `tx`; refused when the e-mail address has an account already.
    async fn new_user_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        email: &str,
        name: &str,
        role: Role,
        organisation_id: Option<i64>,
        password_hash: &str,
        now: i64,
    ) -> Result<i64, RegistryError> {
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_optional(&mut **tx).await?;
        if taken.is_some() {
            return Err(invalid(
                format!("`{email}` has an account already"),
                format!("`{email}` のアカウントは登録済みです"),
            ));
        }
        Ok(sqlx::query_scalar(
            "INSERT INTO users (email, name, role, organisation_id, password_hash, created) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(email)
        .bind(name)
        .bind(role.name())
        .bind(organisation_id)
        .bind(password_hash)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?)
    }

    /// Staff add an account to an organisation that is not a vendor's (a lab's staff, role
    /// `evaluator`); the caller has checked the organisation is the right one. `audit` is the
    /// action and object the audit record names.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn add_member(
        &self,
        staff: &User,
        organisation_id: i64,
        role: Role,
        email: &str,
        name: &str,
        password: &str,
        audit: (&str, &str),
        now: i64,
    ) -> Result<User, RegistryError> {
        let email = Self::checked_email(email)?;
        validate::name(("name", "氏名"), name).map_err(RegistryError::Invalid)?;
        let hash = Self::hash_password_off_thread(password).await?;
        let mut tx = self.begin_write().await?;
        let id = Self::new_user_in(&mut tx, &email, name.trim(), role, Some(organisation_id), &hash, now).await?;
        let (action, object) = audit;
        Self::audit(&mut tx, now, &staff.email, action, object, serde_json::json!({ "user": email })).await?;
        tx.commit().await?;
        Ok(User { id, email, name: name.trim().to_owned(), role, organisation_id: Some(organisation_id) })
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
        if organisation.is_empty() || name.trim().is_empty() {
            return Err(invalid("organisation and name are required", "組織名と氏名は必須です"));
        }
        validate::name(("organisation", "組織名"), organisation).map_err(RegistryError::Invalid)?;
        validate::name(("name", "氏名"), name).map_err(RegistryError::Invalid)?;
        let email = Self::checked_email(email)?;
        let hash = Self::hash_password_off_thread(password).await?;
        let mut tx = self.begin_write().await?;
        let organisation_id = Self::new_organisation_in(&mut tx, organisation, "vendor", now).await?;
        let id =
            Self::new_user_in(&mut tx, &email, name.trim(), Role::Vendor, Some(organisation_id), &hash, now).await?;
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
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid("the name is required", "氏名は必須です"));
        }
        validate::name(("name", "氏名"), name).map_err(RegistryError::Invalid)?;
        let email = Self::checked_email(email)?;
        let hash = Self::hash_password_off_thread(password).await?;
        let mut tx = self.begin_write().await?;
        let id = Self::new_user_in(&mut tx, &email, name, role, None, &hash, now).await?;
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
            role: Role::parse(&role).ok_or_else(|| crate::db::corrupt("user role", format!("`{role}`")))?,
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

    pub(crate) fn require_staff(user: &User) -> Result<(), RegistryError> {
        if user.role.is_staff() { Ok(()) } else { Err(RegistryError::Forbidden("staff only".into())) }
    }

    pub(crate) fn require_reviewer(user: &User) -> Result<(), RegistryError> {
        if matches!(user.role, Role::Reviewer | Role::Admin) {
            Ok(())
        } else {
            Err(RegistryError::Forbidden("only a certification-body reviewer decides applications".into()))
        }
    }

    pub async fn audit_trail(&self, user: &User, limit: i64) -> Result<Vec<AuditRecord>, RegistryError> {
        if !user.role.is_staff() {
            return Err(RegistryError::Forbidden("the audit trail is for staff".into()));
        }
        Ok(sqlx::query_as::<_, AuditRecord>(safe!(
            "SELECT id, at, actor, action, object, detail FROM audit ORDER BY id DESC LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .fetch_all(&self.pool)
        .await?)
    }
}
