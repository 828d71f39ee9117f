//! Uploaded files are read once on a thread of their own before the registry stores or checks
//! them: the readers have depth and size limits, and this is the second wall. The thread has a
//! known stack (`READER_STACK`, not a worker's) and a reader's panic ends the thread, not the
//! server: the upload is refused with a message, and every other request goes on being
//! answered. What a reader reports as an error is left to the registry's checks, which name it
//! in their own list of problems.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use tekigo_base::Text;
use tokio::sync::Semaphore;

/// The reading thread's stack: far more than the readers need within their depth limits.
const READER_STACK: usize = 16 * 1024 * 1024;

/// Uploads read at once; more wait, so a burst of uploads cannot start a burst of threads.
static READERS: Semaphore = Semaphore::const_new(4);

/// What an uploaded file is meant to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upload {
    Declaration,
    Sbom,
    Vex,
}

impl Upload {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Upload::Declaration => ("declaration", "宣言書"),
            Upload::Sbom => ("SBOM", "SBOM"),
            Upload::Vex => ("VEX document", "VEX 文書"),
        }
    }
}

fn read(kind: Upload, bytes: &[u8]) {
    // The results are the registry's to judge; only getting through matters here.
    match kind {
        Upload::Declaration => {
            let _ = serde_json::from_slice::<tekigo_assess::declaration::Declaration>(bytes);
        }
        Upload::Sbom => {
            let _ = tekigo_sbom::read(bytes, "SBOM");
        }
        Upload::Vex => {
            let _ = tekigo_vuln::vex::read(bytes, "VEX");
        }
    }
}

/// Reads `bytes` as `kind` on a thread of its own; `Err` when the reader failed in a way no
/// input should make it fail (a panic), with the refusal to show.
pub async fn screen(kind: Upload, bytes: Arc<Vec<u8>>) -> Result<(), Text> {
    screen_with(kind, bytes, read).await
}

async fn screen_with(kind: Upload, bytes: Arc<Vec<u8>>, read: fn(Upload, &[u8])) -> Result<(), Text> {
    let (en, ja) = kind.names();
    let refusal = || {
        Text::new(
            format!("The {en} could not be read: the reader stopped on this file. Nothing was stored."),
            format!("{ja}を読み取れませんでした（このファイルで読み取り処理が停止しました）。何も保存していません。"),
        )
    };
    let _permit = READERS.acquire().await.map_err(|_| refusal())?;
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new().name(format!("upload-{en}")).stack_size(READER_STACK).spawn(move || {
        let finished = catch_unwind(AssertUnwindSafe(|| read(kind, &bytes))).is_ok();
        let _ = sender.send(finished);
    });
    if spawned.is_err() {
        return Err(refusal());
    }
    match receiver.await {
        Ok(true) => Ok(()),
        _ => Err(refusal()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn files_that_read_or_fail_to_read_pass_the_screen() {
        for (kind, bytes) in [
            (Upload::Sbom, &b"not an sbom"[..]),
            (Upload::Sbom, br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}"#),
            (Upload::Declaration, b"{"),
            (Upload::Vex, b"[]"),
        ] {
            screen(kind, Arc::new(bytes.to_vec())).await.unwrap();
        }
        // Nesting past the readers' limits is their error, not a crash.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes();
        for kind in [Upload::Sbom, Upload::Declaration, Upload::Vex] {
            screen(kind, Arc::new(deep.clone())).await.unwrap();
        }
    }

    #[tokio::test]
    async fn a_reader_that_panics_is_a_refusal_and_the_next_file_is_read() {
        fn buggy(_: Upload, bytes: &[u8]) {
            assert!(bytes.is_empty(), "a reader's bug");
        }
        let refused = screen_with(Upload::Sbom, Arc::new(b"x".to_vec()), buggy).await.unwrap_err();
        assert!(refused.en.contains("The SBOM could not be read"), "{}", refused.en);
        assert!(refused.ja.contains("何も保存していません"), "{}", refused.ja);
        screen(Upload::Sbom, Arc::new(b"{}".to_vec())).await.unwrap();
    }
}
