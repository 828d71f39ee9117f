//! What a device answers a ClientHello: the first flight (records, handshake messages, the
//! ServerHello, alerts) and the certificates in it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tekigo_probe::tls;

fuzz_target!(|data: &[u8]| {
    let flight = tls::parse_flight(data);
    let _ = flight.version();
    for der in &flight.certificates {
        let _ = tls::analyse_certificate(der);
    }
    let _ = tls::parse_server_hello(data);
    let _ = tls::analyse_certificate(data);
});
