//! The `tekigo` binary: a thin command line over the library crates. Only this crate prints.

mod assess_cmd;
mod cli;
mod criteria_cmd;
mod evaluate_cmd;
mod exit;
mod incident_cmd;
mod log_cmd;
mod output;
mod probe_cmd;
mod registry_cmd;
mod sbom_cmd;
mod serve_cmd;
mod surveillance_cmd;
mod vulndb_cmd;

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::parse() {
        Ok(cli) => cli,
        Err(error) => return exit::usage_code(output::usage_error(&error, output::lang_from_arguments())),
    };
    let lang = cli.lang.map_or_else(output::lang_from_environment, Into::into);
    output::set_error_language(lang);
    let long_running = matches!(cli.command, cli::Command::Serve(_));
    output::start_logging(cli.log_format, if long_running { "info" } else { "warn" });
    // Buffered: a large report is written in big chunks, not a system call per line.
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let criteria = cli.criteria.as_deref();
    // Every command ends in an `exit::Answer` or an error; `exit::code` is the only mapping.
    let result = match cli.command {
        cli::Command::Criteria(command) => criteria_cmd::run(&command, criteria, lang, &mut stdout),
        cli::Command::Sbom(command) => sbom_cmd::run(&command, criteria, lang, &mut stdout),
        cli::Command::Probe(args) => probe_cmd::run(&args, lang, &mut stdout),
        cli::Command::Vulndb(command) => vulndb_cmd::run(&command, lang, &mut stdout),
        cli::Command::Assess(command) => {
            let mut stdin = std::io::stdin().lock();
            assess_cmd::run(&command, criteria, lang, &mut stdin, &mut stdout)
        }
        cli::Command::Keys(command) => assess_cmd::keys(&command, lang, &mut stdout),
        cli::Command::Evaluate(command) => evaluate_cmd::run(&command, criteria, lang, &mut stdout),
        cli::Command::Declaration(command) => assess_cmd::declaration(&command, criteria, lang, &mut stdout),
        cli::Command::Registry(command) => registry_cmd::run_registry(&command, criteria, lang, &mut stdout),
        cli::Command::Csaf(command) => registry_cmd::run_csaf(&command, criteria, lang, &mut stdout),
        cli::Command::Serve(args) => serve_cmd::run(&args, criteria, lang, &mut stdout),
        cli::Command::Incident(command) => incident_cmd::run(&command, lang, &mut stdout),
        cli::Command::Surveillance(command) => surveillance_cmd::run(&command, criteria, lang, &mut stdout),
        cli::Command::Log(cli::LogCommand::Verify(args)) | cli::Command::Verify(args) => {
            log_cmd::verify(&args, lang, &mut stdout)
        }
        cli::Command::Log(cli::LogCommand::Monitor(args)) | cli::Command::Monitor(args) => {
            log_cmd::monitor(&args, lang, &mut stdout)
        }
    };
    // What was printed before an error stays before the error message; a reader that went away
    // (a closed pipe) is not the command's failure.
    let _ = stdout.flush();
    if let Err(error) = &result {
        output::report_error(error, lang);
    }
    ExitCode::from(exit::code(&result))
}
