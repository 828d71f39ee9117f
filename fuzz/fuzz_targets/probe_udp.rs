//! UDP answers: SSDP, mDNS (DNS with name compression), CoAP and its link format.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tekigo_probe::udp;

fuzz_target!(|data: &[u8]| {
    let _ = udp::parse_ssdp(data);
    let _ = udp::parse_dns(data);
    if let Some(message) = udp::parse_coap(data) {
        let _ = udp::parse_link_format(&String::from_utf8_lossy(&message.payload));
    }
    let _ = udp::parse_link_format(&String::from_utf8_lossy(data));
});
