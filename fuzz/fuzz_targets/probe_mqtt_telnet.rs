//! The small answers: an MQTT CONNACK, telnet option negotiation, a service's greeting.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tekigo_probe::login::mqtt::connack_code(data);
    let mut reply = Vec::new();
    let text = tekigo_probe::login::telnet::strip_iac(data, &mut reply);
    let _ = tekigo_probe::login::telnet::ends_with_prompt(&String::from_utf8_lossy(&text), &["login:", "$", "#"]);
    let _ = tekigo_probe::scan::classify_greeting(data);
});
