//! The catalog loader on a user's folder (`--criteria DIR`): the built-in files with one of them
//! replaced by the input, so that the whole-catalog checks run on it.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, text)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(text) else { return };
    let mut files = tekigo_criteria::source::builtin_sources();
    let index = usize::from(pick) % files.len();
    files[index].text = text.to_owned();
    let _ = tekigo_criteria::Catalog::load(&files);
});
