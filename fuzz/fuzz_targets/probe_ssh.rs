//! What an SSH server sends first: banner lines, the identification line, the KEXINIT packet.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tekigo_probe::ssh;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((_, _, used))) = ssh::split_identification(data) {
        let rest = &data[used.min(data.len())..];
        if let Ok(Some((payload, _))) = ssh::parse_packet(rest) {
            let _ = ssh::parse_kexinit(payload);
        }
    }
    let _ = ssh::parse_identification(&String::from_utf8_lossy(data));
    if let Ok(Some((payload, _))) = ssh::parse_packet(data) {
        let _ = ssh::parse_kexinit(payload);
    }
    let _ = ssh::parse_kexinit(data);
});
