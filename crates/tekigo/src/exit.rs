//! How every command ends: the one place that turns an answer or an error into an exit code, and
//! says what each code means ([`MEANINGS`], printed under every command's `--help`; README.md's
//! table is checked against it).

use std::process::ExitCode;

/// Each code with what it means, in English and Japanese: `--help` and README.md show these.
pub(crate) const MEANINGS: [(u8, &str, &str); 4] = [
    (
        0,
        "done, and the answer is yes: conformant, ready, valid, verified, nothing fails",
        "完了（適合・準備完了・有効・検証成功・不適合なし）",
    ),
    (
        1,
        "decided, and the answer is no: not conformant, not ready, not valid, something fails at the level",
        "判定の結果が否（不適合・未完了・無効・水準で不合格の項目あり）",
    ),
    (
        STOPPED,
        "stopped before deciding: a usage, input, network or database error (nothing was decided)",
        "判定前に停止（使い方・入力・通信・データベースの誤り。何も判定していません）",
    ),
    (
        3,
        "cannot be established: a signature, proof or log does not verify (`log verify`, `log monitor`), or a finding cannot be decided (`sbom check`: unscored or to be reviewed)",
        "確定できない（署名・証明・ログの検証失敗、または判定できない脆弱性あり）",
    ),
];

/// The table under every command's `--help`.
pub(crate) fn help_table() -> String {
    let mut text = String::from("Exit codes / 終了コード:");
    for (code, en, ja) in MEANINGS {
        text.push_str(&format!("\n  {code}  {en}\n     {ja}"));
    }
    text
}

/// What a command found, when it got as far as deciding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Conformant, ready, valid, verified, nothing fails.
    Yes,
    /// Decided, and the answer is no.
    No,
    /// It cannot be established: something does not verify, or a finding cannot be decided.
    Undecided,
}

impl Answer {
    /// `Yes` when `yes`, else `No`.
    pub(crate) fn from_bool(yes: bool) -> Answer {
        if yes { Answer::Yes } else { Answer::No }
    }
}

/// A command that stopped before it could decide: usage, input, network or database error.
const STOPPED: u8 = 2;

/// The exit code of a command's result (`EXIT_CODES`).
pub(crate) fn code(result: &anyhow::Result<Answer>) -> u8 {
    match result {
        Ok(Answer::Yes) => 0,
        Ok(Answer::No) => 1,
        Err(_) => STOPPED,
        Ok(Answer::Undecided) => 3,
    }
}

/// The exit code of a command line clap refused (`--help` and `--version` are not refusals).
pub(crate) fn usage_code(refused: bool) -> ExitCode {
    ExitCode::from(if refused { STOPPED } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_has_the_code_its_meaning_gives() {
        let meaning = |code: u8| MEANINGS.iter().find(|m| m.0 == code).map(|m| m.1).unwrap_or_default();
        assert!(meaning(code(&Ok(Answer::Yes))).contains("yes"));
        assert!(meaning(code(&Ok(Answer::No))).contains("no"));
        assert!(meaning(code(&Err(anyhow::anyhow!("stopped")))).starts_with("stopped"));
        assert!(meaning(code(&Ok(Answer::Undecided))).starts_with("cannot be established"));
    }

    #[test]
    fn readme_carries_the_same_table() {
        let readme = include_str!("../../../README.md");
        for (code, en, _) in MEANINGS {
            let row = format!("| {code} | {en} |");
            assert!(readme.contains(&row), "README.md lacks the exit-code row {row}");
        }
    }
}
