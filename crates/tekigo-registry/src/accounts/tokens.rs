//! API tokens (scoped, expiring, revocable; only their hash is stored) and the Ed25519 keys a
//! vendor signs declarations with.

use ed25519_dalek::VerifyingKey;
use ed25519_dalek::pkcs8::DecodePublicKey;
use serde::Serialize;
use sqlx::Row;
use tekigo_base::Text;

use super::{User, random_token, token_hash};
use crate::db::{Registry, RegistryError, invalid};

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

impl Registry {
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

    pub(crate) async fn signing_keys(&self, organisation: i64) -> Result<Vec<VerifyingKey>, RegistryError> {
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
}
