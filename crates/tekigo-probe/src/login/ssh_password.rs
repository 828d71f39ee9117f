//! SSH password authentication (RFC 4252 §8) with russh: key exchange, then one
//! `password` request. The host key is accepted whatever it is (the probe is not the user's
//! client; judging host keys and algorithms is the SSH audit's job). No channel is opened after a
//! successful login.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use russh::client;
use russh::keys::PublicKeyOrCertificate;

use super::Outcome;
use crate::finding::Credential;
use crate::observation::Limits;

struct AcceptAnyHostKey;

impl client::Handler for AcceptAnyHostKey {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

fn classify(error: &russh::Error) -> Outcome {
    let seen = error.to_string();
    match error {
        russh::Error::IO(io) if crate::net::is_refusal(io) => Outcome::Refused { seen },
        russh::Error::Disconnect | russh::Error::HUP => Outcome::Refused { seen },
        _ => Outcome::Unknown { seen },
    }
}

pub(crate) async fn login(ip: IpAddr, port: u16, credential: &Credential, limits: &Limits) -> Outcome {
    let config = Arc::new(client::Config {
        inactivity_timeout: Some(limits.read_timeout),
        nodelay: true,
        ..client::Config::default()
    });
    let budget = limits.connect_timeout + limits.read_timeout * 2;
    let run = async {
        let mut session = match tokio::time::timeout(
            limits.connect_timeout + limits.read_timeout,
            client::connect(config, SocketAddr::new(ip, port), AcceptAnyHostKey),
        )
        .await
        {
            Ok(Ok(session)) => session,
            Ok(Err(error)) => return classify(&error),
            Err(_) => return Outcome::Unknown { seen: "SSH handshake timed out".into() },
        };
        let outcome =
            match session.authenticate_password(credential.username.clone(), credential.password.clone()).await {
                Ok(result) if result.success() => Outcome::Success { seen: "SSH_MSG_USERAUTH_SUCCESS".into() },
                Ok(_) => Outcome::Failure { seen: "SSH_MSG_USERAUTH_FAILURE".into() },
                Err(error) => classify(&error),
            };
        let _ = session.disconnect(russh::Disconnect::ByApplication, "", "en").await;
        outcome
    };
    tokio::time::timeout(budget, run).await.unwrap_or_else(|_| Outcome::Unknown { seen: "SSH login timed out".into() })
}
