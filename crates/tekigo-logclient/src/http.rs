//! A blocking HTTP client for one registry, bounded in time and size.

use std::time::Duration;

use serde::de::DeserializeOwned;
use tekigo_base::Text;

/// A response larger than this is refused: a page of 1,000 log entries is far below it.
pub const MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(10);

/// What stopped a check before it could decide.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("GET {url}: {message}")]
    Network { url: String, message: String },
    #[error("GET {url}: reading the response (at most {MAX_RESPONSE_BYTES} bytes): {message}")]
    Read { url: String, message: String },
    #[error("GET {url}: HTTP {status}: {body}")]
    Status { url: String, status: u16, body: String },
    #[error("GET {url}: not the expected JSON: {message}")]
    Json { url: String, message: String },
    #[error("not a verifier key: {0}")]
    Key(String),
    #[error("no verifier key given")]
    NoKey,
    #[error("the registry's keys: {0}")]
    Keyring(String),
    #[error("the monitor's state: {0}")]
    State(String),
}

impl ClientError {
    /// The message in both languages.
    pub fn text(&self) -> Text {
        let ja = match self {
            ClientError::Network { url, message } => format!("GET {url} に失敗しました: {message}"),
            ClientError::Read { url, message } => {
                format!("GET {url}: 応答を読めません（上限 {MAX_RESPONSE_BYTES} バイト）: {message}")
            }
            ClientError::Status { url, status, body } => format!("GET {url}: HTTP {status} が返されました: {body}"),
            ClientError::Json { url, message } => format!("GET {url}: 想定した JSON ではありません: {message}"),
            ClientError::Key(key) => format!("検証鍵ではありません: {key}"),
            ClientError::NoKey => "検証鍵が指定されていません".to_owned(),
            ClientError::Keyring(message) => format!("登録簿の鍵: {message}"),
            ClientError::State(message) => format!("監視の状態: {message}"),
        };
        Text::new(self.to_string(), ja)
    }
}

/// A client for the registry at one address.
pub struct LogClient {
    agent: ureq::Agent,
    base: String,
}

impl LogClient {
    /// `base`: the registry's address (`https://registry.example`), a trailing slash or not.
    pub fn new(base: &str) -> LogClient {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .user_agent(concat!("tekigo/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        LogClient { agent, base: base.trim_end_matches('/').to_owned() }
    }

    /// The registry's address, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn get_text(&self, path: &str) -> Result<String, ClientError> {
        let url = format!("{}{path}", self.base);
        let mut response = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| ClientError::Network { url: url.clone(), message: e.to_string() })?;
        let status = response.status();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_string()
            .map_err(|e| ClientError::Read { url: url.clone(), message: e.to_string() })?;
        if !status.is_success() {
            return Err(ClientError::Status { url, status: status.as_u16(), body: body.chars().take(300).collect() });
        }
        Ok(body)
    }

    pub fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let body = self.get_text(path)?;
        serde_json::from_str(&body)
            .map_err(|e| ClientError::Json { url: format!("{}{path}", self.base), message: e.to_string() })
    }
}
