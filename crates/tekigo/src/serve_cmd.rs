//! `tekigo serve`: opens (or makes) the registry's database, optionally fills it with demo labels
//! and makes an admin account, reads who operates it (`--operator`), then serves the web pages and
//! the API until the process stops.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use tekigo_base::Clock;
use tekigo_base::Lang;
use tekigo_registry::Registry;
use tekigo_registry::Role;
use tekigo_web::AppState;

use crate::cli::ServeArgs;
use crate::criteria_cmd::load_catalog;
use crate::exit::Answer;
use crate::output::tr;

/// Opens the registry at `database` (or in `data_dir`), making it when it does not exist yet:
/// only `serve` and `registry init` may make one.
pub(crate) async fn open_or_make(
    database: Option<&str>,
    data_dir: &std::path::Path,
    catalog: std::sync::Arc<tekigo_criteria::Catalog>,
) -> anyhow::Result<(Registry, String)> {
    let url = match database {
        Some(url) => url.to_owned(),
        None => {
            std::fs::create_dir_all(data_dir)
                .with_context(|| format!("cannot make the data folder {}", data_dir.display()))?;
            tekigo_registry::default_url(data_dir)
        }
    };
    let shown = without_password(&url);
    let registry = Registry::open(&url, catalog).await.with_context(|| format!("cannot open the database {shown}"))?;
    Ok((registry, url))
}

/// `--demo N`: fictional labels in an empty registry, none in one that holds labels already.
pub(crate) async fn fill_demo(
    registry: &Registry,
    count: u32,
    clock: &Clock,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let held = registry.label_count().await?;
    if held > 0 {
        match lang {
            Lang::En => writeln!(out, "The registry holds {held} labels already: --demo adds none.")?,
            Lang::Ja => writeln!(out, "登録簿にはすでに {held} 件のラベルがあります。--demo は何も追加しません。")?,
        }
        return Ok(());
    }
    let started = Instant::now();
    let made = tekigo_registry::demo::fill(registry, i64::from(count), clock.today(), clock.now()).await?;
    let seconds = started.elapsed().as_secs_f64();
    match lang {
        Lang::En => writeln!(out, "Made {made} demo labels (fictional) in {seconds:.1} s.")?,
        Lang::Ja => writeln!(out, "架空のデモ用ラベルを {made} 件、{seconds:.1} 秒で登録しました。")?,
    }
    Ok(())
}

pub(crate) fn run(
    args: &ServeArgs,
    criteria: Option<&Path>,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<Answer> {
    let catalog = Arc::new(load_catalog(criteria)?);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("start the async runtime")?;
    runtime.block_on(serve(args, catalog, lang, out))?;
    Ok(Answer::Yes)
}

async fn serve(
    args: &ServeArgs,
    catalog: Arc<tekigo_criteria::Catalog>,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if let Some(base_url) = &args.base_url
        && !(base_url.starts_with("http://") || base_url.starts_with("https://"))
    {
        bail!(
            "{}: `{base_url}`",
            tr(
                lang,
                "--base-url must start with http:// or https://",
                "--base-url は http:// か https:// で始めてください"
            )
        );
    }
    // Before the database: a mistake in the file should not wait for a migration to be seen.
    let operator = match &args.operator {
        Some(path) => tekigo_web::http::operator::load(path).map_err(|errors| {
            anyhow::anyhow!(
                "{}\n{}",
                tr(lang, "--operator: the file is not valid", "--operator: ファイルに誤りがあります"),
                errors.text().get(lang)
            )
        })?,
        None => tekigo_web::http::operator::Operator::not_configured(),
    };
    let (registry, url) = open_or_make(args.database.as_deref(), &args.data_dir, catalog).await?;
    let shown = without_password(&url);
    let clock = Clock::system();

    if let Some(count) = args.demo {
        fill_demo(&registry, count, &clock, lang, out).await?;
    }

    if let Some(email) = &args.admin {
        ensure_admin(&registry, email, clock.now(), lang, out).await?;
    }

    // Demo labels make a demo registry whatever the file says: they must never pass for real.
    let operator = operator.or_demo(tekigo_registry::demo::holds_demo_data(&registry).await?);

    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .with_context(|| format!("{} {}", tr(lang, "cannot listen on", "待ち受けできません:"), args.addr))?;
    let local = listener.local_addr()?;
    let base_url = match &args.base_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => format!("http://{local}"),
    };
    match lang {
        Lang::En => {
            writeln!(out, "tekigo registry: {base_url}/ (listening on {local}, database {shown})")?;
            if args.base_url.is_none() {
                writeln!(out, "QR codes carry {base_url}; give the public address with --base-url.")?;
            }
            if !operator.configured {
                writeln!(
                    out,
                    "No operator configured: every page says so; name who runs the registry with --operator FILE."
                )?;
            }
            writeln!(out, "Stop with Ctrl-C.")?;
        }
        Lang::Ja => {
            writeln!(out, "tekigo 登録簿: {base_url}/ （{local} で待ち受け中、データベース {shown}）")?;
            if args.base_url.is_none() {
                writeln!(out, "QR コードには {base_url} が入ります。公開 URL は --base-url で指定してください。")?;
            }
            if !operator.configured {
                writeln!(
                    out,
                    "運営者が未設定です（各ページにその旨を表示します）。運営者は --operator FILE で指定してください。"
                )?;
            }
            writeln!(out, "Ctrl-C で停止します。")?;
        }
    }
    // The address must be seen now, not when the server stops.
    out.flush()?;
    let registry = match &args.fees {
        None => registry,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the fee schedule {}", path.display()))?;
            let fees = tekigo_registry::applications::FeeSchedule::parse(&text)
                .with_context(|| format!("the fee schedule {}", path.display()))?;
            registry.with_fees(fees)
        }
    };
    let mut state = AppState::new(registry, clock, &base_url)
        .with_trusted_proxies(&args.trusted_proxy)
        .with_metrics_token(args.metrics_token.as_deref().unwrap_or_default())
        .with_operator(operator)
        .with_expiry_grace_days(args.expiry_grace_days);
    if let Some(dir) = &args.vulndb {
        // Fail now, not silently every hour.
        tekigo_vuln::VulnDb::open(dir)?;
        state = state.with_vulndb(dir);
    }
    tekigo_web::serve(listener, state).await.context("the server stopped")?;
    Ok(())
}

/// Makes `email` an admin account unless it exists; an existing account of another role is an
/// error rather than a silent promotion.
async fn ensure_admin(
    registry: &Registry,
    email: &str,
    now: i64,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match registry.user_by_email(email).await? {
        Some(user) if user.role == Role::Admin => match lang {
            Lang::En => writeln!(out, "Admin account {}: exists.", user.email)?,
            Lang::Ja => writeln!(out, "管理者アカウント {}: 登録済みです。", user.email)?,
        },
        Some(user) => bail!(
            "{}: {} ({})",
            tr(
                lang,
                "--admin: this e-mail address has an account that is not an admin",
                "--admin: このメールアドレスには管理者ではないアカウントがあります"
            ),
            user.email,
            user.role.name()
        ),
        None => {
            let password = std::env::var("TEKIGO_ADMIN_PASSWORD").map_err(|_| {
                anyhow::anyhow!(
                    "{}",
                    tr(
                        lang,
                        "--admin: set TEKIGO_ADMIN_PASSWORD to the new admin account's password (10 characters or more)",
                        "--admin: 新しい管理者アカウントのパスワード（10文字以上）を TEKIGO_ADMIN_PASSWORD に設定してください"
                    )
                )
            })?;
            let user = registry.create_staff(None, email, "Administrator", Role::Admin, &password, now).await?;
            match lang {
                Lang::En => writeln!(out, "Admin account {}: made.", user.email)?,
                Lang::Ja => writeln!(out, "管理者アカウント {} を作成しました。", user.email)?,
            }
        }
    }
    Ok(())
}

/// A database URL fit to print: the password, if any, replaced by `***`.
pub(crate) fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority, tail) = rest.split_once('/').map_or((rest, None), |(a, t)| (a, Some(t)));
    let Some((userinfo, host)) = authority.rsplit_once('@') else { return url.to_owned() };
    let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
    let masked = if userinfo.contains(':') { format!("{user}:***") } else { user.to_owned() };
    match tail {
        Some(tail) => format!("{scheme}://{masked}@{host}/{tail}"),
        None => format!("{scheme}://{masked}@{host}"),
    }
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn passwords_are_not_printed() {
        assert_eq!(without_password("postgres://app:s3cret@db:5432/tekigo"), "postgres://app:***@db:5432/tekigo");
        assert_eq!(without_password("postgres://app@db/tekigo"), "postgres://app@db/tekigo");
        assert_eq!(without_password("postgres://db/tekigo"), "postgres://db/tekigo");
        assert_eq!(
            without_password("sqlite://data/registry.sqlite?mode=rwc"),
            "sqlite://data/registry.sqlite?mode=rwc"
        );
    }
}
