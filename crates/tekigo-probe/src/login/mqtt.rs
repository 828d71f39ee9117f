//! MQTT 3.1.1 (OASIS, 2014) CONNECT and CONNACK, by hand: a CONNECT with or without user name and
//! password, then the CONNACK's return code: 0 accepted, 4 bad user name or password, 5 not
//! authorized. On acceptance the probe sends DISCONNECT at once; it never subscribes or publishes.

use std::net::IpAddr;

use tokio::io::AsyncWriteExt;

use super::{Outcome, io_outcome};
use crate::finding::Credential;
use crate::net;
use crate::observation::Limits;

fn push_string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
    out.extend(len.to_be_bytes());
    out.extend(&bytes[..usize::from(len)]);
}

/// A CONNECT packet (clean session, keep-alive 30 s), with the credential if given.
pub fn connect_packet(client_id: &str, credential: Option<&Credential>) -> Vec<u8> {
    let mut body = Vec::new();
    push_string(&mut body, "MQTT");
    body.push(4); // protocol level 3.1.1
    let mut flags = 0x02; // clean session
    if credential.is_some() {
        flags |= 0x80 | 0x40;
    }
    body.push(flags);
    body.extend(30u16.to_be_bytes());
    push_string(&mut body, client_id);
    if let Some(credential) = credential {
        push_string(&mut body, &credential.username);
        push_string(&mut body, &credential.password);
    }
    let mut packet = vec![0x10];
    let mut length = body.len();
    loop {
        let mut byte = u8::try_from(length % 128).unwrap_or(0);
        length /= 128;
        if length > 0 {
            byte |= 0x80;
        }
        packet.push(byte);
        if length == 0 {
            break;
        }
    }
    packet.extend(body);
    packet
}

/// The CONNACK return code, if `reply` starts with a CONNACK.
pub fn connack_code(reply: &[u8]) -> Option<u8> {
    (reply.len() >= 4 && reply[0] == 0x20 && reply[1] == 0x02).then(|| reply[3])
}

/// Connects with the credential, or anonymously with `None`.
pub(crate) async fn login(ip: IpAddr, port: u16, credential: Option<&Credential>, limits: &Limits) -> Outcome {
    let mut stream = match net::connect(ip, port, limits.connect_timeout).await {
        Ok(stream) => stream,
        Err(error) => return io_outcome(&error),
    };
    let packet = connect_packet(&format!("tekigo-{:x}", net::nonce()), credential);
    if let Err(error) = stream.write_all(&packet).await {
        return io_outcome(&error);
    }
    let reply = match net::read_until(&mut stream, limits.read_timeout, 64, |d| d.len() >= 4).await {
        Ok((reply, _)) => reply,
        Err(error) => return io_outcome(&error),
    };
    match connack_code(&reply) {
        Some(0) => {
            let _ = stream.write_all(&[0xe0, 0x00]).await;
            Outcome::Success { seen: "CONNACK return code 0 (connection accepted)".into() }
        }
        Some(code @ (4 | 5)) => Outcome::Failure {
            seen: format!(
                "CONNACK return code {code} ({})",
                if code == 4 { "bad user name or password" } else { "not authorized" }
            ),
        },
        Some(3) => Outcome::Refused { seen: "CONNACK return code 3 (server unavailable)".into() },
        Some(code) => Outcome::Unknown { seen: format!("CONNACK return code {code}") },
        None if reply.is_empty() => Outcome::Failure { seen: "connection closed without CONNACK".into() },
        None => Outcome::Unknown { seen: format!("not a CONNACK: {:02x?}", &reply[..reply.len().min(8)]) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_connect_bytes() {
        let packet = connect_packet("c", None);
        assert_eq!(packet, vec![0x10, 13, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x02, 0, 30, 0, 1, b'c']);
    }

    #[test]
    fn credential_sets_both_flags_and_appends_strings() {
        let credential = Credential { username: "u".into(), password: "pw".into() };
        let packet = connect_packet("c", Some(&credential));
        assert_eq!(packet[9], 0xc2);
        assert_eq!(&packet[15..], &[0, 1, b'u', 0, 2, b'p', b'w']);
        assert_eq!(usize::from(packet[1]), packet.len() - 2);
    }

    #[test]
    fn long_packets_use_a_multi_byte_length() {
        let credential = Credential { username: "u".repeat(200), password: String::new() };
        let packet = connect_packet("c", Some(&credential));
        assert!(packet[1] & 0x80 != 0);
        let length = usize::from(packet[1] & 0x7f) + 128 * usize::from(packet[2]);
        assert_eq!(length, packet.len() - 3);
    }

    #[test]
    fn connack_codes() {
        assert_eq!(connack_code(&[0x20, 0x02, 0x00, 0x05]), Some(5));
        assert_eq!(connack_code(&[0x20, 0x02, 0x00]), None);
        assert_eq!(connack_code(b"HTTP"), None);
    }
}
