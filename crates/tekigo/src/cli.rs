//! Command-line syntax. Kept apart from the commands so `--help` reads as the reference.
//!
//! Why this file is long: it is the whole command-line reference (clap derives with help in both
//! languages); split, it would scatter what `--help` shows.

use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use tekigo_base::Lang;

/// The command line, with the exit-code table under every command's help.
pub(crate) fn parse() -> Result<Cli, clap::Error> {
    fn with_exit_codes(command: clap::Command) -> clap::Command {
        command.after_help(crate::exit::help_table()).mut_subcommands(with_exit_codes)
    }
    let mut command = with_exit_codes(Cli::command());
    let matches = command.try_get_matches_from_mut(std::env::args_os())?;
    Cli::from_arg_matches(&matches).map_err(|error| error.format(&mut command))
}

#[derive(Debug, Parser)]
#[command(
    name = "tekigo",
    version,
    about = "IoT product security conformity assessment and labeling: JC-STAR ★1-★4 and the schemes beside it",
    long_about = "tekigo (適合) runs an IoT product security labeling scheme end to end: Japan's JC-STAR ★1-★4, \
                  and beside it ETSI EN 303 645, Singapore CLS, UK PSTI, the US Cyber Trust Mark (NISTIR 8425) \
                  and the EU Cyber Resilience Act.\n\n\
                  tekigo（適合）はIoT製品セキュリティラベリング制度（JC-STAR ★1〜★4）と、\
                  ETSI EN 303 645・シンガポールCLS・英国PSTI・米国Cyber Trust Mark・EUサイバーレジリエンス法を扱うツールです。"
)]
pub(crate) struct Cli {
    /// Use the catalog in DIR instead of the built-in one (for a newer published version).
    /// 組み込みのカタログの代わりに DIR のカタログを使う
    #[arg(long, global = true, value_name = "DIR", env = "TEKIGO_CRITERIA")]
    pub criteria: Option<PathBuf>,

    /// Language of output a person reads [default: ja when LANG starts with "ja", else en].
    /// 出力の言語
    #[arg(long, global = true, value_enum, env = "TEKIGO_LANG")]
    pub lang: Option<LangArg>,

    /// How diagnostic logs on stderr are written: lines for people, or one JSON object per line
    /// for a log collector. What is logged is set by TEKIGO_LOG (e.g. `info`, `tekigo_web=debug`;
    /// default: `info` for serve, `warn` otherwise). / 標準エラーへの診断ログの形式（人向けの行または JSON）
    #[arg(long, global = true, value_enum, default_value = "text", env = "TEKIGO_LOG_FORMAT")]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum LangArg {
    En,
    Ja,
}

impl From<LangArg> for Lang {
    fn from(value: LangArg) -> Self {
        match value {
            LangArg::En => Lang::En,
            LangArg::Ja => Lang::Ja,
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// The criteria catalog: requirements, levels, mappings, gap analysis, OSCAL export.
    /// 適合基準カタログ
    #[command(subcommand)]
    Criteria(CriteriaCommand),
    /// The offline vulnerability database: import OSV, NVD, KEV, EPSS and CSAF; show what it holds.
    /// 脆弱性データベース
    #[command(subcommand)]
    Vulndb(VulndbCommand),
    /// SBOMs: read them, and check them against known vulnerabilities under a level's rule.
    /// SBOMの読み込みと、水準の規則による既知脆弱性の判定
    #[command(subcommand)]
    Sbom(SbomCommand),
    /// Probe ONE device on the network for what JC-STAR ★1 forbids. Only for devices you are
    /// entitled to test. / 機器1台をネットワーク越しに検査する（検査する権限のある機器に限る）
    #[command(long_about = PROBE_ABOUT)]
    Probe(ProbeArgs),
    /// Self-assessment: answer a level's checklist with evidence, then sign the self-declaration.
    /// 自己評価: チェックリストに証跡とともに回答し、自己宣言書に署名する
    #[command(subcommand)]
    Assess(AssessCommand),
    /// Third-party evaluation by an accredited lab (JC-STAR ★3/★4): plan, record results with
    /// evidence, sign the evaluation report. / 認定評価機関による第三者評価（計画、結果の記録、報告書への署名）
    #[command(subcommand)]
    Evaluate(EvaluateCommand),
    /// Signing keys (Ed25519) for declarations / 宣言書の署名鍵（Ed25519）
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Check a signed declaration / 署名された宣言書を検証する
    #[command(subcommand)]
    Declaration(DeclarationCommand),
    /// Run the registry: public label pages with QR codes, search, the JSON API. SQLite in
    /// ./tekigo-data by default. / 登録簿（ラベルの公開ページ、QR コード、検索、JSON API）を起動する
    #[command(long_about = SERVE_ABOUT)]
    Serve(ServeArgs),
    /// The registry's work after issue: re-check every labeled product's SBOM against the
    /// vulnerability database. / 登録簿の発行後の業務（ラベル取得製品の SBOM の継続的な再検査）
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// CSAF 2.0 advisories on labeled products, to share with JVN. / JVN と共有する CSAF 2.0 アドバイザリ
    #[command(subcommand)]
    Csaf(CsafCommand),
    /// Incidents on labeled products: who does what in each case of the scheme (SCHEME §6).
    /// ラベル取得製品のインシデント: 区分ごとの各主体の役割
    #[command(subcommand)]
    Incident(IncidentCommand),
    /// Surveillance (SCHEME §5.3): draw a year's plan from a published seed.
    /// サーベイランス（公表したシードから年度計画を抽出する）
    #[command(subcommand)]
    Surveillance(SurveillanceCommand),
    /// The registry's transparency log, from outside: check a label against it, or watch it for
    /// rewritten history. / 登録簿の透明性ログの外部からの検証と監視
    #[command(subcommand)]
    Log(LogCommand),
    /// Former name of `tekigo log verify`, kept for scripts.
    #[command(hide = true, long_about = VERIFY_ABOUT)]
    Verify(VerifyArgs),
    /// Former name of `tekigo log monitor`, kept for scripts.
    #[command(hide = true, long_about = MONITOR_ABOUT)]
    Monitor(MonitorArgs),
}

#[derive(Debug, Subcommand)]
pub(crate) enum LogCommand {
    /// Check a label against the registry's transparency log, or offline against its signed
    /// status (a QR code's URL). / ラベルを登録簿の透明性ログで検証する（QR コードの署名付き状態ならオフラインでも）
    #[command(long_about = VERIFY_ABOUT)]
    Verify(VerifyArgs),
    /// Watch a registry's transparency log (for cron): verify each new signed tree head against the
    /// last one and rebuild its root from the entries. / 登録簿の透明性ログを監視する（cron 向け）
    #[command(long_about = MONITOR_ABOUT)]
    Monitor(MonitorArgs),
}

const VERIFY_ABOUT: &str = "Check a label against the registry's transparency log.\n\n\
    Online (the default) proves that the registry's current signed tree head verifies with its key, \
    that every event of the label's history it serves is in that tree (an inclusion proof per \
    event, checked against the leaf hash computed here from the event), that the signed status \
    verifies and, when the URL carries a signed status (#s=...), that the tree it was issued \
    against is a prefix of today's (a consistency proof). Keys come from --pubkey, or else from the \
    registry itself, which only shows that the registry agrees with itself (trust on first use).\n\n\
    Offline (--offline --pubkey KEY) uses no network: it checks the signature of the status in the \
    URL's fragment and shows what the registry signed at its issue time, not today's status.\n\n\
    Exit codes: 0 verified and valid; 1 verified but not valid (expired, suspended, revoked, \
    support ended); 3 a signature or proof does not verify; 2 usage or network error.\n\n\
    ラベルを登録簿の透明性ログで検証します。\n\n\
    オンライン（既定）では、登録簿の現在の署名付きツリーヘッドが鍵で検証できること、ラベルの履歴の各イベントが\
    そのツリーに含まれること（ここでイベントから計算したリーフハッシュによる包含証明）、署名付き状態が検証できること、\
    URL に署名付き状態（#s=...）があれば、その発行時のツリーが現在のツリーの先頭部分であること（一貫性証明）を\
    確かめます。鍵は --pubkey で与えるか、登録簿自身から取得します（後者は登録簿の自己整合しか示しません）。\n\n\
    オフライン（--offline --pubkey KEY）ではネットワークを使わず、URL のフラグメントの署名付き状態の署名を確かめ、\
    登録簿が発行時点で署名した内容を示します（今日の状態ではありません）。\n\n\
    終了コード: 0 検証成功かつ有効、1 検証成功だが有効でない、3 署名または証明の検証失敗、2 使い方またはネットワークのエラー。";

const MONITOR_ABOUT: &str = "Watch a registry's transparency log, from cron. The state file (JSON, made on the \
    first run, written atomically) keeps the pinned keys, the last verified checkpoint and the \
    verified tree's right edge. Each run verifies the new checkpoint with the pinned keys, checks \
    with a consistency proof that the log only grew (history rewritten: alert, state kept), then \
    fetches the new entries, hashes each event here and checks the rebuilt root equals the \
    checkpoint's. A new key is accepted only while the registry still lists every pinned key. \
    --audit rebuilds the root from every entry, which also catches an old event changed, deleted \
    or reordered. Exit codes: 0 ok, 3 alert, 2 usage or network error.\n\n\
    登録簿の透明性ログを監視します（cron 向け）。状態ファイル（JSON、初回に作成、原子的に書き込み）に固定した鍵、\
    最後に検証したチェックポイント、検証済みツリーの右端を保存します。毎回、新しいチェックポイントを固定した鍵で検証し、\
    一貫性証明でログが追記のみであることを確かめ（履歴の書き換えは警報、状態は更新しない）、新しいエントリーを取得して\
    ここでハッシュし、再構成したルートがチェックポイントと一致することを確かめます。--audit は全エントリーからルートを\
    再構成し、過去のイベントの変更・削除・並べ替えも検出します。終了コード: 0 正常、3 警報、2 使い方またはネットワークのエラー。";

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// A label number (then --registry is needed) or the label's URL, with the signed status in
    /// its fragment (#s=...) as a QR code carries it / ラベル番号またはラベルの URL（#s=... 付き可）
    #[arg(value_name = "LABEL-OR-URL")]
    pub target: String,
    /// The registry's address, e.g. https://registry.example [default: from the URL]
    /// 登録簿の URL（既定: ラベルの URL から）
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,
    /// Check the signed status in the URL's fragment only, with no network (needs --pubkey)
    /// ネットワークを使わず URL のフラグメントの署名付き状態だけを検証する（--pubkey が必要）
    #[arg(long, requires = "pubkey")]
    pub offline: bool,
    /// The registry's key: a verifier key `<name>+<hex id>+<base64>`, or a file of such lines or
    /// the registry's /api/v1/log/keys JSON / 登録簿の検証鍵、またはそれを含むファイル
    #[arg(long, value_name = "KEY")]
    pub pubkey: Option<String>,
    #[command(flatten)]
    pub format: FormatArg,
}

#[derive(Debug, Args)]
pub(crate) struct MonitorArgs {
    /// The registry's address, e.g. https://registry.example / 登録簿の URL
    #[arg(value_name = "URL")]
    pub url: String,
    /// The monitor's state file (JSON), made on the first run / 監視の状態ファイル（初回に作成）
    #[arg(long, value_name = "FILE")]
    pub state: PathBuf,
    /// Re-fetch every entry from 0 and rebuild the root from scratch
    /// 全エントリーを取得し直してルートを最初から再構成する
    #[arg(long)]
    pub audit: bool,
}

/// Where the registry's database is: the same options as `tekigo serve`.
#[derive(Debug, Args)]
pub(crate) struct DatabaseArgs {
    /// Database: sqlite://PATH or postgres://USER:PASSWORD@HOST/DB of an existing registry [default: DATA_DIR/registry.sqlite]
    /// データベースの URL
    #[arg(long, value_name = "URL", env = "TEKIGO_DATABASE_URL", hide_env_values = true)]
    pub database: Option<String>,
    /// Folder of the SQLite database / SQLite データベースのフォルダ
    #[arg(long, value_name = "DIR", default_value = "tekigo-data")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RegistryCommand {
    /// Make the registry's database (SQLite file or PostgreSQL schema) without serving it, for
    /// provisioning and for the commands that run beside `tekigo serve`; --demo N fills an empty
    /// one with fictional labels. Nothing changes in a registry that exists already.
    /// 登録簿のデータベースを作成する（サーバは起動しない）
    Init {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Fill an empty registry with N fictional demo labels / 空の登録簿に架空のデモ用ラベルを N 件入れる
        #[arg(long, value_name = "N")]
        demo: Option<u32>,
    },
    /// Re-check labeled products: only the components the vulnerability imports since the last run
    /// touched (the database's change journal), or all with --full. Opens a case with a grace
    /// period for each label that newly fails its level, closes those that no longer fail, and
    /// moves grace periods and hearings on to today; with --base-url also refreshes the CSAF
    /// advisories. The same job `tekigo serve` runs every hour. Run it after each `tekigo vulndb
    /// import`.
    /// ラベル取得製品を再検査する（前回以降の取り込みが触れた構成要素だけ、--full ですべて）。serve が毎時行う処理と同じ
    Monitor {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The vulnerability database folder / 脆弱性データベースのフォルダ
        #[arg(long, value_name = "DIR", env = "TEKIGO_VULNDB")]
        vulndb: PathBuf,
        /// Check every component of every label / すべてのラベルのすべての構成要素を検査する
        #[arg(long)]
        full: bool,
        /// The registry's public address: also refresh the CSAF advisories it serves, as `tekigo
        /// serve` does every hour / 公開 URL（指定すると CSAF アドバイザリも更新する）
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// The day to decide on (YYYY-MM-DD) [default: today in Japan] / 判定日
        #[arg(long, value_name = "DATE")]
        today: Option<String>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Write a label's printable artwork for the product's packaging, as the label page offers
    /// it: a neutral badge with the level's stars, the QR code to the label's page, the number
    /// and the end of validity. The QR code's modules are never under 0.3 mm, so a width below
    /// what the label's URL needs is refused. The PDF's text is English (it uses a built-in PDF
    /// font, which has no Japanese).
    /// ラベルの印刷用版下（SVG または PDF）を書き出す（PDF の文字は英語のみ）
    Artwork {
        /// The label's registration number, e.g. JC1-2026-000123 / ラベルの登録番号
        #[arg(value_name = "NUMBER")]
        number: String,
        #[command(flatten)]
        database: DatabaseArgs,
        /// The registry's public address, which the QR code carries / 登録簿の公開 URL（QR コードに使われる）
        #[arg(long, value_name = "URL")]
        base_url: String,
        /// Width in mm: 20, 25, 30, 40 and 60 are the sizes offered; any whole number from the
        /// label's minimum to 150 is accepted / 幅（mm）
        #[arg(long, value_name = "N", default_value_t = tekigo_web::labels::artwork::DEFAULT_WIDTH_MM)]
        width_mm: u32,
        /// File format / 形式
        #[arg(long, value_enum, default_value_t = ArtworkFormat::Svg)]
        format: ArtworkFormat,
        /// Output file / 出力ファイル
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ArtworkFormat {
    /// Vector, text in the chosen language / ベクター（文字は選択した言語）
    Svg,
    /// One page the size of the label, English text / ラベルの大きさの 1 ページ（文字は英語）
    Pdf,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CsafCommand {
    /// Write one CSAF 2.0 advisory (csaf_vex profile) per vulnerability monitoring found in labeled
    /// products, each checked against the CSAF schema and the mandatory tests. Unchanged
    /// advisories keep their version. / 監視で見つかった脆弱性ごとに CSAF 2.0 文書を書き出す
    Export {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Output folder, made when missing / 出力フォルダ
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The registry's public address, for label links / 登録簿の公開 URL
        #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8080")]
        base_url: String,
        /// Publisher name / 発行者名
        #[arg(long, default_value = "JC-STAR certification body")]
        publisher: String,
        /// Publisher contact / 発行者の連絡先
        #[arg(long, default_value = "see the registry's web site")]
        contact: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum IncidentCommand {
    /// The responsibilities of user/procurer, vendor, evaluator, certification body and scheme
    /// owner in one case (A-1, A-2, B-1, B-2), for procurers and insurers. No database.
    /// 区分（A-1・A-2・B-1・B-2）ごとの利用者・調達者、ベンダー、評価者、認証機関、制度所有者の役割
    Duties {
        /// user's settings or use, information given; A-2: not given; B-1: the product did
        /// not meet the criteria; B-2: the criteria could not prevent it
        #[arg(value_name = "CASE")]
        case: String,
        #[command(flatten)]
        format: FormatArg,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum SurveillanceCommand {
    /// Print the plan the registry would publish for YEAR from SEED (a dry run: nothing is
    /// stored). Anyone with the database can redraw a published plan this way.
    /// 登録簿が公表する計画を表示する（保存しない試行）
    Plan(SurveillancePlanArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SurveillancePlanArgs {
    /// Database: sqlite://PATH or postgres://USER:PASSWORD@HOST/DB / データベースの URL
    #[arg(long, value_name = "URL", env = "TEKIGO_DATABASE_URL", hide_env_values = true)]
    pub database: String,
    /// The plan's year / 計画の年度
    #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(i16).range(2000..=2200))]
    pub year: i16,
    /// The published seed / 公表したシード
    #[arg(long, value_name = "TEXT")]
    pub seed: String,
    /// Reported products, at most / 報告対象の上限
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub capacity: usize,
    /// Random test purchases of self-declared ★1 products / ★1 自己適合宣言製品の無作為試買の件数
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub sample: usize,
    /// The day whose valid labels are the candidates [default: today in Japan]
    /// 候補とするラベルの基準日（既定: 日本時間の今日）
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<jiff::civil::Date>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    /// Output format / 出力形式
    pub format: Format,
}

const SERVE_ABOUT: &str = "Run the registry: the public label pages that the labels' QR codes lead to, \
    label search, and the JSON API (OpenAPI 3.1 at /api/openapi.json). With no options it keeps its \
    data in ./tekigo-data/registry.sqlite, made on first start; --database postgres://... runs it on \
    PostgreSQL. Stop it with Ctrl-C.\n\n\
    登録簿を起動します。ラベルの QR コードが指す公開ページ、ラベル検索、JSON API（/api/openapi.json に \
    OpenAPI 3.1）を提供します。オプションなしでは ./tekigo-data/registry.sqlite にデータを保存し（初回起動時に作成）、\
    --database postgres://... で PostgreSQL を使います。Ctrl-C で停止します。";

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Database: sqlite://PATH (made when missing) or postgres://USER:PASSWORD@HOST/DB [default: DATA_DIR/registry.sqlite]
    /// データベースの URL
    #[arg(long, value_name = "URL", env = "TEKIGO_DATABASE_URL", hide_env_values = true)]
    pub database: Option<String>,
    /// Address to listen on (port 0: any free port) / 待ち受けるアドレス
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Folder of the SQLite database, made when missing / SQLite データベースのフォルダ
    #[arg(long, value_name = "DIR", default_value = "tekigo-data")]
    pub data_dir: PathBuf,
    /// The registry's public address, which QR codes and API links carry [default: http://ADDR]
    /// 登録簿の公開 URL（QR コードと API のリンクに使われる）
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Fill an empty registry with N fictional demo labels before serving
    /// 空の登録簿に架空のデモ用ラベルを N 件登録してから起動する
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub demo: Option<u32>,
    /// Make this e-mail address an admin (staff) account if it has none; the password comes from
    /// TEKIGO_ADMIN_PASSWORD / 管理者アカウントを作成する（パスワードは TEKIGO_ADMIN_PASSWORD）
    #[arg(long, value_name = "EMAIL")]
    pub admin: Option<String>,
    /// Re-check labeled products against this vulnerability database every hour (see
    /// `tekigo registry monitor`) / この脆弱性データベースでラベル取得製品を毎時再検査する
    #[arg(long, value_name = "DIR", env = "TEKIGO_VULNDB")]
    pub vulndb: Option<PathBuf>,
    /// A reverse proxy in front of the registry (repeatable): from this address only,
    /// X-Forwarded-For names the client that per-address rate limits count
    /// 前段のリバースプロキシのアドレス（複数可）。このアドレスからの X-Forwarded-For だけを信頼する
    #[arg(long, value_name = "IP")]
    pub trusted_proxy: Vec<std::net::IpAddr>,
    /// /metrics asks for `Authorization: Bearer TOKEN` (prefer the environment variable: a
    /// command line is visible to other users) / /metrics に Bearer トークンを求める
    #[arg(long, value_name = "TOKEN", env = "TEKIGO_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Who runs this registry, shown on every page: a TOML file with the operator's name,
    /// contact, address, privacy policy, terms of use, logo and `demo` flag (see
    /// examples/operator.toml). Without it, pages say that no operator is configured
    /// 登録簿の運営者を記した TOML ファイル（名称、連絡先、所在地、プライバシーポリシー、利用規約、ロゴ、デモか否か）。
    /// 指定しない場合、各ページに「運営者未設定」と表示する
    #[arg(long, value_name = "FILE", env = "TEKIGO_OPERATOR")]
    pub operator: Option<PathBuf>,
    /// The application fees by route and level, each from a day (a TOML file in the layout of
    /// crates/tekigo-registry/data/fees.toml). Without it, IPA's published fees (★1 ¥198,000;
    /// the UK PSTI route ¥140,000) / 申請手数料表（TOML）。省略時は IPA の公表額
    #[arg(long, value_name = "FILE", env = "TEKIGO_FEES")]
    pub fees: Option<PathBuf>,
    /// Days after a label's expiry that IPA's reading still shows as 失効猶予 (expiry grace)
    /// rather than 失効 (expired); 0 for none / 有効期限後に「失効猶予」と表示する日数（0 でなし）
    #[arg(long, value_name = "N", env = "TEKIGO_EXPIRY_GRACE_DAYS", default_value_t = 0,
        value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub expiry_grace_days: u32,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AssessCommand {
    /// Start an assessment in a new folder: every requirement of the level with its items and
    /// guidance, and the product's facts. / 新しいフォルダに評価を作成する
    Init(AssessInitArgs),
    /// Answer the checklist: interactively in the terminal (resumable), or from an answers file.
    /// チェックリストに回答する（対話形式、または回答ファイルから）
    Answer(AssessAnswerArgs),
    /// Add evidence (a file, a URL, or a place in a document) for a requirement's item.
    /// 要件の評価項目に証跡（ファイル、URL、文書の該当箇所）を追加する
    Evidence(AssessEvidenceArgs),
    /// Import `tekigo probe` and `tekigo sbom check` JSON reports; they decide the device-test
    /// items and the known-vulnerability rule. / プローブと SBOM 検査の結果を取り込む
    Import(AssessImportArgs),
    /// What is decided and what is left, per requirement. Exit 0 when ready to declare, 1 if not.
    /// 要件ごとの判定と残りの作業（宣言できるとき終了コード 0）
    Status(AssessStatusArgs),
    /// Sign the self-declaration: JSON, OSCAL assessment results, the XLSX checklist and HTML in
    /// Japanese and English. / 自己宣言書に署名して出力する
    Declare(AssessDeclareArgs),
}

#[derive(Debug, Args)]
pub(crate) struct AssessInitArgs {
    /// The new assessment folder / 新しい評価フォルダ
    pub dir: PathBuf,
    /// Scheme to assess against / 評価する制度
    #[arg(long, default_value = "jc-star")]
    pub scheme: String,
    /// Level (for JC-STAR 1-4; `all` for a scheme without levels) / レベル
    #[arg(long, default_value = "1")]
    pub level: String,
    /// Product name / 製品名
    #[arg(long)]
    pub product: String,
    /// Product type from the catalog (e.g. network-camera) / 製品類型
    #[arg(long, value_name = "TYPE")]
    pub product_type: Option<String>,
    /// Vendor (manufacturer) name / 製造者名
    #[arg(long)]
    pub vendor: Option<String>,
    /// Vendor's postal address (UK PSTI statements need it) / 製造者の所在地
    #[arg(long, value_name = "ADDRESS")]
    pub vendor_address: Option<String>,
    /// Model number / 型番
    #[arg(long)]
    pub model: Option<String>,
    /// Firmware version / ファームウェアのバージョン
    #[arg(long)]
    pub firmware: Option<String>,
    /// Last day of security updates, YYYY-MM-DD / サポート終了日
    #[arg(long, value_name = "DATE")]
    pub support_end: Option<String>,
    /// Where vulnerabilities are reported: URL or e-mail / 脆弱性の連絡先
    #[arg(long, value_name = "URL-OR-EMAIL")]
    pub contact: Option<String>,
    /// Who signs the declaration: name / 宣言者の氏名
    #[arg(long)]
    pub declarant: Option<String>,
    /// The declarant's function / 宣言者の役職
    #[arg(long)]
    pub role: Option<String>,
    /// Pre-fill from a finished assessment of another scheme, through the mappings
    /// 他制度の評価結果から対応表を通じて回答を引き継ぐ
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,
    /// The product's statement of compliance under a scheme the certification body recognises,
    /// as SCHEME=FILE or SCHEME=URL: the requirements the catalog deems met by it are decided
    /// with it as evidence (JC-STAR ★1 and a UK PSTI statement: S1.1-02, S1.1-05, S1.1-16), and
    /// the declaration says so. Repeatable.
    /// 相互承認された制度の適合宣言（例: uk-psti=statement.pdf）。みなし適合の要件をその証跡で判定する
    #[arg(long, value_name = "SCHEME=FILE|URL")]
    pub deemed: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct AssessAnswerArgs {
    /// The assessment folder / 評価フォルダ
    pub dir: PathBuf,
    /// Merge answers from FILE (the answers.toml format) instead of asking / 回答ファイルから取り込む
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Ask only about this requirement / この要件だけ回答する
    #[arg(long, value_name = "ID")]
    pub requirement: Option<String>,
    /// Ask about answered items too, not only the open ones / 回答済みの項目も尋ねる
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub(crate) struct AssessEvidenceArgs {
    /// The assessment folder / 評価フォルダ
    pub dir: PathBuf,
    /// A file, a URL, or (with --reference) words naming a place in a document
    /// ファイル、URL、または（--reference 指定時）文書の該当箇所
    pub source: String,
    /// Requirement and item it supports: ID or ID/ITEM (item 1 if left out) / 対象の要件と評価項目
    #[arg(long = "for", value_name = "ID[/ITEM]")]
    pub for_item: String,
    /// SOURCE is words, not a file or URL / SOURCE を文書の該当箇所として扱う
    #[arg(long)]
    pub reference: bool,
    /// What the evidence is / 証跡の説明
    #[arg(long)]
    pub description: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct AssessImportArgs {
    /// The assessment folder / 評価フォルダ
    pub dir: PathBuf,
    #[command(flatten)]
    pub reports: ToolReports,
}

/// The tools' JSON reports an assessment or a lab's evaluation imports as evidence.
#[derive(Debug, Args)]
pub(crate) struct ToolReports {
    /// A `tekigo probe --format json` report / プローブの結果
    #[arg(long, value_name = "REPORT")]
    pub probe: Option<PathBuf>,
    /// A `tekigo sbom check --format json` report / SBOM 検査の結果
    #[arg(long, value_name = "REPORT")]
    pub sbom_check: Option<PathBuf>,
    /// The SBOM that was checked, kept as evidence / 検査した SBOM
    #[arg(long, value_name = "FILE", requires = "sbom_check")]
    pub sbom: Option<PathBuf>,
}

impl ToolReports {
    pub(crate) fn is_empty(&self) -> bool {
        self.probe.is_none() && self.sbom_check.is_none()
    }
}

#[derive(Debug, Args)]
pub(crate) struct AssessStatusArgs {
    /// The assessment folder / 評価フォルダ
    pub dir: PathBuf,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct AssessDeclareArgs {
    /// The assessment folder / 評価フォルダ
    pub dir: PathBuf,
    /// Private key (PKCS#8 PEM) from `tekigo keys generate` / 署名用の秘密鍵
    #[arg(long)]
    pub key: PathBuf,
    /// Output folder [default: DIR/declaration, or DIR/declaration-SCHEME-LEVEL with --as]
    /// 出力フォルダ
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Derive a statement for another scheme from these answers, through the mappings (e.g.
    /// uk-psti, sg-cls:1) / 対応表を通じて他制度向けの文書を作る
    #[arg(long = "as", value_name = "SCHEME[:LEVEL]")]
    pub as_scheme: Option<String>,
    /// Declarant's name (overrides assessment.toml) / 宣言者の氏名
    #[arg(long)]
    pub declarant: Option<String>,
    /// Declarant's function / 宣言者の役職
    #[arg(long)]
    pub role: Option<String>,
    /// Issue date-time, RFC 3339 [default: now] / 発行日時
    #[arg(long, value_name = "RFC3339")]
    pub date: Option<String>,
    /// The skilled evaluator's private key: they co-sign (JC-STAR ★2, where a registered evaluator
    /// evaluates with the vendor) / 連署する評価者の秘密鍵（★2）
    #[arg(long, value_name = "KEY", requires_all = ["evaluator", "evaluator_org"])]
    pub evaluator_key: Option<PathBuf>,
    /// The evaluator's name, as registered with the certification body / 評価者の氏名
    #[arg(long, value_name = "NAME")]
    pub evaluator: Option<String>,
    /// The evaluator's organisation / 評価者の所属
    #[arg(long, value_name = "ORGANISATION")]
    pub evaluator_org: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum EvaluateCommand {
    /// Start a lab's evaluation of a product in a new folder: the level and product type's
    /// requirements, the product's facts, and the lab that evaluates.
    /// 評価機関による評価を新しいフォルダで始める
    Init(Box<EvaluateInitArgs>),
    /// Write the OSCAL assessment plan: which controls, by which method and tool, on what.
    /// OSCAL の評価計画を書き出す
    Plan(EvaluatePlanArgs),
    /// Record the lab's result for an evaluation item with its evidence, or import the probe's
    /// and the SBOM check's reports. / 評価項目の結果と証跡を記録する
    Record(EvaluateRecordArgs),
    /// What is recorded and what is left, per requirement. Exit 0 when the report can be signed.
    /// 記録済みの結果と残りの作業
    Status(AssessStatusArgs),
    /// Sign the evaluation report with the lab's key: JSON, OSCAL assessment plan and results,
    /// HTML in Japanese and English. The vendor countersigns it (`tekigo declaration
    /// countersign`) and applies for the label with it. / 評価報告書に評価機関の鍵で署名する
    Report(EvaluateReportArgs),
}

#[derive(Debug, Args)]
pub(crate) struct EvaluateInitArgs {
    #[command(flatten)]
    pub product: AssessInitArgs,
    /// The lab, as the certification body's register names it / 評価機関の名称
    #[arg(long, value_name = "NAME")]
    pub lab: String,
    /// The lab's evaluator in charge / 評価責任者
    #[arg(long, value_name = "NAME")]
    pub lead_evaluator: String,
    /// The body that accredited the lab to ISO/IEC 17025 (e.g. IAJapan, JAB) / 認定機関
    #[arg(long, value_name = "BODY")]
    pub accreditation_body: String,
    /// The lab's accreditation number / 認定番号
    #[arg(long, value_name = "NUMBER")]
    pub accreditation: String,
}

#[derive(Debug, Args)]
pub(crate) struct EvaluatePlanArgs {
    /// The evaluation folder / 評価フォルダ
    pub dir: PathBuf,
    /// Where to write the plan [default: DIR/assessment-plan.json] / 出力先
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ItemResultArg {
    /// The item is met / 適合
    Pass,
    /// The item is not met / 不適合
    Fail,
    /// The item does not apply (give --note with the reason) / 該当なし（--note に理由）
    NotApplicable,
}

#[derive(Debug, Args)]
pub(crate) struct EvaluateRecordArgs {
    /// The evaluation folder / 評価フォルダ
    pub dir: PathBuf,
    /// Requirement and item: ID or ID/ITEM (item 1 if left out) / 対象の要件と評価項目
    #[arg(long = "for", value_name = "ID[/ITEM]", requires = "result")]
    pub for_item: Option<String>,
    #[arg(long, value_enum, requires = "for_item")]
    pub result: Option<ItemResultArg>,
    /// A document examined, kept by its hash (repeatable) / 確認した文書（複数可）
    #[arg(long, value_name = "FILE")]
    pub evidence: Vec<PathBuf>,
    /// Evidence already in the folder, by ID (E3: an imported probe report for a device test)
    /// (repeatable) / 記録済みの証跡の ID（複数可）
    #[arg(long, value_name = "ID")]
    pub cite: Vec<String>,
    /// The binary-analysis report / バイナリ解析の報告書
    #[arg(long, value_name = "FILE")]
    pub binary_analysis: Option<PathBuf>,
    /// The penetration-test report / ペネトレーションテストの報告書
    #[arg(long, value_name = "FILE")]
    pub penetration_test: Option<PathBuf>,
    /// What the lab observed, or why the item does not apply / 所見、または該当しない理由
    #[arg(long)]
    pub note: Option<String>,
    #[command(flatten)]
    pub reports: ToolReports,
}

#[derive(Debug, Args)]
pub(crate) struct EvaluateReportArgs {
    /// The evaluation folder / 評価フォルダ
    pub dir: PathBuf,
    /// The lab's private key, as registered with the certification body / 評価機関の秘密鍵
    #[arg(long, value_name = "KEY")]
    pub lab_key: PathBuf,
    /// Output folder [default: DIR/report] / 出力フォルダ
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Issue date-time, RFC 3339 [default: now] / 発行日時
    #[arg(long, value_name = "RFC3339")]
    pub date: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Write a new Ed25519 key pair: KEY (private, mode 0600) and KEY.pub; never overwrites.
    /// 新しい鍵ペアを作る（KEY と KEY.pub、上書きしない）
    Generate {
        #[arg(long, value_name = "KEY")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum DeclarationCommand {
    /// Check a declaration's signature, its content against the criteria, and the files issued
    /// with it. Exit 0 when all holds, 1 when not. / 署名・内容・添付ファイルを検証する
    Verify {
        /// declaration.json
        file: PathBuf,
        /// The declarant's public key (KEY.pub) / 宣言者の公開鍵
        #[arg(long, value_name = "KEY")]
        pubkey: PathBuf,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// The vendor signs a lab's evaluation report (or an evaluator's declaration) issued without
    /// their signature; the content stays as the lab signed it. / 評価機関の報告書に製造事業者等が署名する
    Countersign {
        /// The report folder (holding declaration.json) / 報告書のフォルダ
        dir: PathBuf,
        /// The vendor's private key / 製造事業者等の秘密鍵
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
    },
}

const PROBE_ABOUT: &str = "\
Probe ONE device on the network for what JC-STAR ★1 forbids, and map every finding to the
requirements it bears on (JC-STAR S1.1-xx, ETSI EN 303 645 5.x-y) and the threats (SCHEME §3).
Exit 0 when nothing fails at the level, 1 when something does, 2 on a usage or network error.

Use it ONLY on devices you own or are entitled to test: it tries logins.

What it sends:
  - a TCP connect to each port (the IoT port list, or --ports);
  - on open ports: nothing for 1.5 s (to read a banner), then GET / HTTP/1.0, an MQTT CONNECT
    without credentials, and a minimal TLS ClientHello, each until one is answered;
  - logins on telnet, SSH, FTP, HTTP basic/digest/forms and MQTT: anonymous access, then the
    built-in default credentials (the whole Mirai table and common vendor defaults) and --creds;
    it stops at the first credential that works, and on any sign of lockout;
  - brute-force test (S1.1-04): 10 random wrong passwords in a row, then the right one if known.
  - on TLS ports: one ClientHello per version (SSL 3.0 to TLS 1.3) and per weak cipher family
    (at most 8 suites each), reading the server's answer and certificate, never finishing a
    handshake; on SSH ports: our version line and one KEXINIT, then close;
  - one UDP datagram each to the target's ports 1900 (SSDP M-SEARCH), 5353 (mDNS query) and
    5683 (CoAP GET /.well-known/core), unicast, never to a multicast group.
  No command is run after a login: the connection is closed at the prompt.

Bounds (defaults): connect timeout 2 s, read timeout 5 s, at most 32 connections at once and 4
per login service, at most 100 login attempts per service, attempts at least 100 ms apart.
One target only: a range (CIDR or a-b) is refused unless --allow-range, and then at most 256 hosts.

機器1台に対し、JC-STAR ★1 が禁じる状態をネットワーク越しに検査し、各検出を要件（JC-STAR S1.1-xx、
ETSI EN 303 645 5.x-y）と脅威に対応付けます。終了コード: 0 水準で不適合なし、1 不適合あり、2 使い方
またはネットワークのエラー。

ログインを試行するため、所有する機器または検査する権限のある機器にだけ使ってください。

送信する内容:
  - 各ポートへのTCP接続（IoT機器のポート一覧、または --ports）;
  - 開いているポートへ: 1.5秒待ってバナーを読み、GET / HTTP/1.0、認証なしのMQTT CONNECT、最小の
    TLS ClientHello を応答があるまで順に送る;
  - telnet・SSH・FTP・HTTP（Basic/Digest/フォーム）・MQTTへのログイン: 匿名接続、組み込みの初期
    認証情報（Miraiの全リストと主要ベンダーの初期値）と --creds。ログインできた時点と、ロックアウト
    の兆候で中止する;
  - 総当たり耐性の試験（S1.1-04）: 誤ったパスワードを10回続けて送り、分かっていれば正しいものを送る。
  - TLSのポートへ: バージョンごと（SSL 3.0〜TLS 1.3）と弱い暗号の系統ごと（各8種まで）に
    ClientHelloを送り、応答と証明書を読む（ハンドシェイクは完了させない）。SSHのポートへ:
    バージョン行とKEXINITを1つ送って切断する;
  - 対象機器のUDP 1900（SSDP M-SEARCH）、5353（mDNS問い合わせ）、5683（CoAP GET
    /.well-known/core）へ1通ずつ。ユニキャストのみで、マルチキャストには送らない。
  ログイン後にコマンドは実行せず、プロンプトで切断する。

上限（既定値）: 接続タイムアウト2秒、読み取り5秒、同時接続32（ログイン先1つにつき4）、1サービス
あたりのログイン試行100回、試行間隔100ミリ秒以上。対象は1台のみ: 範囲（CIDR や a-b）は
--allow-range がない限り拒否し、ある場合も256台まで。";

#[derive(Debug, Args)]
pub(crate) struct ProbeArgs {
    /// The device: an IPv4/IPv6 address or a host name (resolved once) / 検査する機器
    pub target: String,
    /// Ports to scan instead of the IoT list, e.g. 22,80,8000-8100 / 走査するポート
    #[arg(long, value_name = "LIST")]
    pub ports: Option<String>,
    /// JC-STAR level whose verdicts apply (1-4) / 判定に使う水準
    #[arg(long, default_value = "1", value_parser = ["1", "2", "3", "4"])]
    pub level: String,
    /// More credentials to try first, user:password per line / 追加の認証情報（1行に user:password）
    #[arg(long, value_name = "FILE")]
    pub creds: Option<PathBuf>,
    /// Verdicts per check and level overriding the built-in ones (TOML) / 判定の上書き
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Allow TARGET to be a range (CIDR or a-b), at most 256 hosts / 範囲指定を許可する
    #[arg(long)]
    pub allow_range: bool,
    /// Scan and identify only: no login attempts / ログイン試行をしない
    #[arg(long)]
    pub no_logins: bool,
    #[arg(long, value_enum, default_value = "table")]
    pub format: CheckFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CheckFormat {
    Table,
    Json,
    /// SARIF 2.1.0, for code-scanning tools in CI
    Sarif,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SbomCommand {
    /// Print the components of an SBOM (CycloneDX 1.2-1.6 JSON/XML, SPDX 2.2/2.3 JSON/tag-value,
    /// SPDX 3.0 JSON-LD), normalized / SBOMの構成要素を表示する
    Components {
        sbom: PathBuf,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Decide conformity with a level: CVSS v3 >= 7.0 (★1/★2) or >= 4.0 (★3/★4) and exploitable fails;
    /// unscored and exploitable fails. Exit 0 conformant, 1 not conformant, 3 cannot be decided
    /// (unscored findings or findings to review, nothing failing), 2 input error (also a missing
    /// or empty database).
    /// 水準の規則で適合を判定する（終了コード 0 適合、1 不適合、3 判定不能（スコアなし・要確認）、2 入力エラー）
    Check {
        sbom: PathBuf,
        /// Level: N for JC-STAR ★N, or SCHEME:LEVEL
        #[arg(long)]
        level: String,
        #[arg(long, value_name = "DIR", env = "TEKIGO_VULNDB")]
        db: PathBuf,
        /// VEX documents (CycloneDX VEX, CSAF VEX, OpenVEX), repeatable; an invalid CSAF document
        /// or contradictory statements are refused
        #[arg(long, value_name = "FILE")]
        vex: Vec<PathBuf>,
        /// Policy file (TOML): EPSS threshold, stricter CVSS threshold, dated exceptions, vendor
        /// scores for unscored vulnerabilities, the largest data age (max_age_days, default 7)
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// Decide as of this date (YYYY-MM-DD) instead of today, for exceptions' expiry
        #[arg(long, value_name = "DATE")]
        today: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: CheckFormat,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum VulndbCommand {
    /// Import files, folders or zip archives; each input is recognised by its content: OSV JSON
    /// (records, lists, the per-ecosystem zip), NVD CVE JSON 2.0, the CISA KEV catalog (JSON or
    /// CSV), EPSS CSV, CSAF 2.0 advisories. Re-running skips what is unchanged.
    /// ファイル・フォルダ・zipを取り込む（内容で形式を判別し、再実行は差分のみ）
    Import {
        /// Database folder (created if missing) / データベースのフォルダ
        #[arg(long, value_name = "DIR", env = "TEKIGO_VULNDB")]
        db: PathBuf,
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Fetch the public feeds into the database: OSV per-ecosystem archives (the ecosystems named
    /// and those the SBOMs' package URLs use), the NVD CVE API 2.0 (by last-modified date since the
    /// last run; API key from the NVD_API_KEY environment variable), CISA KEV and FIRST EPSS.
    /// Conditional requests (ETag, Last-Modified) skip what is unchanged; the update works on a
    /// copy and replaces the database only when every feed was read. JVN is not fetched: MyJVN's
    /// API serves its own XML formats, which tekigo does not read.
    /// 公開フィードを取得してデータベースを更新する（差分のみ、失敗時は元のまま）
    #[command(long_about = UPDATE_ABOUT)]
    Update {
        /// Database folder (created if missing) / データベースのフォルダ
        #[arg(long, value_name = "DIR", env = "TEKIGO_VULNDB")]
        db: PathBuf,
        /// Feeds to fetch / 取得するフィード
        #[arg(long, value_enum, value_delimiter = ',', default_value = "osv,nvd,kev,epss")]
        source: Vec<FeedSource>,
        /// OSV ecosystems (Go, PyPI, npm, Maven, crates.io, Debian, Alpine, ...) / OSV のエコシステム
        #[arg(long, value_name = "NAME", value_delimiter = ',')]
        ecosystem: Vec<String>,
        /// SBOMs whose package URLs name the OSV ecosystems to fetch / 対象エコシステムを決める SBOM
        #[arg(long, value_name = "FILE")]
        sbom: Vec<PathBuf>,
        /// Read every feed from a mirror with the layout given below instead of the official
        /// locations / 公式の配布元の代わりにミラーから取得する
        #[arg(long, value_name = "URL")]
        mirror: Option<String>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// What the database holds and how old each source is / 内容と各ソースの鮮度
    Stats {
        #[arg(long, value_name = "DIR", env = "TEKIGO_VULNDB")]
        db: PathBuf,
        #[command(flatten)]
        format: FormatArg,
    },
}

/// A feed `vulndb update` fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FeedSource {
    /// OSV per-ecosystem archives / OSV（エコシステムごと）
    Osv,
    /// NVD CVE API 2.0
    Nvd,
    /// CISA Known Exploited Vulnerabilities
    Kev,
    /// FIRST EPSS scores
    Epss,
}

const UPDATE_ABOUT: &str = "Fetch the public vulnerability feeds into the database.
公開されている脆弱性フィードを取得してデータベースを更新する。

Official locations, and where --mirror URL looks instead:
  osv   https://osv-vulnerabilities.storage.googleapis.com/<ECOSYSTEM>/all.zip
        URL/osv/<ECOSYSTEM>/all.zip
  nvd   https://services.nvd.nist.gov/rest/json/cves/2.0
        URL/nvd/rest/json/cves/2.0
  kev   https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json
        URL/kev/known_exploited_vulnerabilities.json
  epss  https://epss.empiricalsecurity.com/epss_scores-current.csv.gz
        URL/epss/epss_scores-current.csv.gz

OSV, KEV and EPSS are asked with the ETag and Last-Modified of the last run (unchanged: HTTP 304,
nothing downloaded). The NVD is read in pages of 2000 by lastModified windows of at most 120 days
since the last run, one request per 6 s (0.6 s with an API key in NVD_API_KEY), with backoff on
403/429/503. Pages of an interrupted NVD run are kept in DIR/.nvd-pages and reused by the next run.
The update works on a copy of the database in DIR and renames it into place at the end: a failed or
interrupted update leaves the previous database untouched.
OSV・KEV・EPSS は前回の ETag と Last-Modified による条件付き取得、NVD は前回以降の更新分のみ取得します。
更新はコピー上で行い、最後に置き換えます（失敗・中断時は元のデータベースのまま）。

JVN is not fetched: MyJVN's API (getVulnOverviewList) serves JVN's own XML formats, which tekigo
does not read; advisories in CSAF 2.0 can be added with `tekigo vulndb import`.
JVN は取得しません（MyJVN API は独自の XML 形式のため）。CSAF 2.0 のアドバイザリは vulndb import で取り込めます。

Exit codes: 0 updated (or already current), 2 an error (nothing changed).";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// For people / 人が読む表
    Table,
    /// Stable JSON for scripts / スクリプト向けの安定したJSON
    Json,
    /// OSCAL 1.2.3 JSON documents (export only) / OSCAL文書（export のみ）
    Oscal,
}

#[derive(Debug, Args)]
pub(crate) struct FormatArg {
    /// Output format / 出力形式
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CriteriaCommand {
    /// List requirements of a scheme or level (all schemes when none is named).
    /// 要件の一覧
    List {
        /// Scheme ID: jc-star, etsi-en-303-645, sg-cls, uk-psti, nistir-8425, eu-cra, en-18031-1
        #[arg(long)]
        scheme: Option<String>,
        /// Level of the scheme (jc-star: 1-4; sg-cls: 1-4; etsi-en-303-645: mandatory, all)
        #[arg(long, requires = "scheme")]
        level: Option<String>,
        /// Product type, for a level whose criteria are set per type (jc-star ★2-★4: network-camera, router, ...)
        #[arg(long, requires = "level")]
        product_type: Option<String>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Show one requirement: ID, or SCHEME/ID when the ID is in several schemes.
    /// 要件の詳細
    Show {
        id: String,
        #[command(flatten)]
        format: FormatArg,
    },
    /// The mapping from one scheme's requirements to another's (NIST OLIR relationships).
    /// 制度間の対応関係
    Map {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Which requirements of a wanted level are covered by what you hold, partly covered, or left.
    /// 保有する認証から、目標の水準で評価が残る要件を求める（部分評価）
    Gap {
        /// What the product holds: SCHEME or SCHEME:LEVEL, repeatable (uk-psti, sg-cls:2)
        #[arg(long, required = true, num_args = 1..)]
        have: Vec<String>,
        /// The level wanted: SCHEME:LEVEL (jc-star:1)
        #[arg(long)]
        want: String,
        #[command(flatten)]
        format: FormatArg,
    },
    /// The level a procurer should require for a use, why, and its equivalents abroad.
    /// 調達者が求めるべき水準
    Recommend {
        /// home, sme, enterprise, government, critical-infrastructure
        #[arg(long = "use", value_name = "USE")]
        use_case: String,
        /// Product type (SCHEME §9), e.g. router, network-camera
        #[arg(long)]
        product_type: Option<String>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Export the catalog as OSCAL 1.2.3: a catalog per scheme, a profile per level, the mappings.
    /// OSCAL形式で書き出す
    Export {
        #[arg(long, value_enum, default_value = "oscal")]
        format: Format,
        /// Folder to write into (created if missing) / 出力先フォルダ
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Load and validate the catalog, and summarise it (for catalog editors).
    /// カタログを検証して概要を表示する
    Check {
        #[command(flatten)]
        format: FormatArg,
    },
}
