//! A device's HTTP answers: the response head, authentication challenges, log-in forms.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tekigo_probe::login::http;

fuzz_target!(|data: &[u8]| {
    if let Some(response) = http::parse_response(data) {
        let _ = http::auth_from_challenge(&response);
    }
    let text = String::from_utf8_lossy(data);
    let _ = http::challenge_params(&text);
    let _ = http::find_login_form(&text, "/login");
});
